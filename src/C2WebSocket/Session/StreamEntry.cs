using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>One desired stream: the public subscription object, its tracker and the connection that carries it.</summary>
    internal sealed class StreamEntry
    {
        public StreamEntry(C2Subscription sub, Link link)
        {
            Sub = sub;
            Tracker = new StreamTracker(sub.Key);
            Link = link;
            sub.ConnectionId = link.Id;
        }
        public C2Subscription Sub { get; }
        public StreamTracker Tracker { get; }
        public StreamKey Key => Sub.Key;
        public Link Link { get; private set; }
        public PendingRequest? InFlight { get; set; }
        /// <summary>The acknowledged resume whose witness (<see cref="StreamTracker.WitnessSeq"/>) is awaited.</summary>
        public PendingRequest? Witness { get; set; }
        public List<SubscribeWaiter> Waiters { get; } = new List<SubscribeWaiter>();
        /// <summary>Acknowledged at least once (a later subscribe is a resubscribe).</summary>
        public bool EverAcked { get; set; }
        /// <summary>The last message queued: its timestamp bounds a backfill after the sequence restarts.</summary>
        public C2StreamMessage? LastDelivered { get; set; }
        /// <summary>Updates refused by a full lane (positions), not yet queued: counted until the next update delivered
        /// ends the range (<see cref="StreamDelivery.GapBoundWait"/> at most).</summary>
        public C2DeliveryGap? OpenLoss { get; set; }
        /// <summary>A replay gap not yet queued: it waits for the stream's next message, which gives its upper bound
        /// (<see cref="StreamDelivery.GapBoundWait"/> at most).</summary>
        public C2DeliveryGap? HeldGap { get; set; }
        /// <summary>Set while messages that do not name their strategy may still be another strategy's (after a split, until the ack).</summary>
        public bool InTransition { get; set; }
        public bool OverflowWarned { get; set; }
        /// <summary>A sequence anomaly of this stream was warned about: later ones are verbose.</summary>
        public bool AnomalyWarned { get; set; }
        /// <summary>A seq_id 1 delivered with an empty StrategyId while this stream shared its connection may be its.</summary>
        public bool SeqOneUnattributed { get; set; }
        public bool IsLive => Sub.IsLive;

        public void MoveTo(Link link) { Link = link; Sub.ConnectionId = link.Id; }
    }
}
