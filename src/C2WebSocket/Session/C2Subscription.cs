using System;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>One (channel, strategy) subscription of a session. Only the session loop changes it, by publishing a whole
    /// new <see cref="SubscriptionSnapshot"/>; readers see the latest one, never half of a change. The position
    /// (<see cref="LastSeqId"/>), which moves with every message, is one atomic value beside the snapshot: a snapshot per
    /// message was 80 of the 610 bytes the session allocated per message of a catch-up (issue 26).</summary>
    public sealed class C2Subscription
    {
        internal C2Subscription(C2Session session, StreamKey key)
        {
            Session = session;
            Key = key;
        }

        /// <summary>The owning session (lets Remove-C2Subscription and Receive-C2Signal bind from the pipeline).</summary>
        public C2Session Session { get; }
        public int SessionId => Session.Id;
        public string Channel => Key.Channel;
        public long StrategyId => Key.StrategyId ?? 0;
        public C2SubscriptionState State { get => Published.State; internal set { var f = Published; f.State = value; Publish(f); } }
        public DateTimeOffset? SubscribedAt { get => Published.SubscribedAt; internal set { var f = Published; f.SubscribedAt = value; Publish(f); } }
        /// <summary>The resume_from sent with the latest subscribe (strategy.signal only).</summary>
        public long? ResumeFrom { get => Published.ResumeFrom; internal set { var f = Published; f.ResumeFrom = value; Publish(f); } }
        /// <summary>The highest seq_id of this stream the session has queued for the pipeline (or skipped as older than its watch).</summary>
        public long? LastSeqId
        {
            // Whether there is one is in the snapshot (it changes rarely); the value is one atomic long (atomic on 32-bit
            // hosts too: Windows PowerShell x86), written before a snapshot that says there is one. Any long is a value
            // (a hostile server's seq_id may be long.MinValue): no sentinel.
            get => Volatile.Read(ref _published).Fields.HasSeq ? Interlocked.Read(ref _lastSeq) : (long?)null;
            internal set => Place(value, null);
        }
        private long _lastSeq;
        /// <summary>How many times it was sent again (reconnects, replay pages, inbox recovery).</summary>
        public int Resubscribes { get => Published.Resubscribes; internal set { var f = Published; f.Resubscribes = value; Publish(f); } }
        /// <summary>Which connection of the session carries it (0 unless the server's messages do not name their strategy).</summary>
        public int ConnectionId { get => Published.ConnectionId; internal set { var f = Published; f.ConnectionId = value; Publish(f); } }
        /// <summary>True while the session cannot confirm that nothing was published since the stream was first watched:
        /// no signal has arrived yet and its very first one (seq_id 1) could not be replayed by the protocol.</summary>
        public bool Unverified
        {
            get { var f = Published; return f.StillUnconfirmed && !f.AlreadyReported; }
            internal set { var f = Published; f.StillUnconfirmed = value; Publish(f); }
        }
        /// <summary>No signal since the stream was first watched, whether or not an earlier run already said so.</summary>
        internal bool StillUnconfirmed => Published.StillUnconfirmed;
        /// <summary>An earlier run with the same checkpoint already reported this stream as unconfirmed (and nothing
        /// has arrived since): it is not news, so <see cref="Unverified"/> is false and no warning is repeated.</summary>
        internal bool AlreadyReported { get => Published.AlreadyReported; set { var f = Published; f.AlreadyReported = value; Publish(f); } }
        public string? LastError { get => Published.LastError; internal set { var f = Published; f.LastError = value; Publish(f); } }
        /// <summary>A resume is waiting for the last message delivered to come back (proof that the server's sequence still
        /// holds the position); Receive-C2Signal -IdleTimeoutSec does not end a read while it waits.</summary>
        internal bool Verifying { get => Published.Verifying; set { var f = Published; f.Verifying = value; Publish(f); } }

        /// <summary>The stream's position as its tracker has it: after each message. A reader that looks at the position and
        /// the flag (it changes with a stream's first signal) in passing may see the flag of a moment before the position
        /// it reads, as it may see any two properties read one after the other.</summary>
        internal void SetPosition(long? lastSeqId, bool stillUnconfirmed) => Place(lastSeqId, stillUnconfirmed);

        /// <summary>Writes the position's value, then publishes a snapshot only if whether there is one, or the flag when
        /// given, changed (one snapshot for both).</summary>
        private void Place(long? lastSeqId, bool? stillUnconfirmed)
        {
            if (lastSeqId is long v) Interlocked.Exchange(ref _lastSeq, v);
            var now = Volatile.Read(ref _published); // its fields read in place: no copy of them per message
            if (now.Fields.HasSeq == lastSeqId.HasValue && (stillUnconfirmed == null || now.Fields.StillUnconfirmed == stillUnconfirmed)) return;
            var f = now.Fields;
            f.HasSeq = lastSeqId.HasValue;
            f.StillUnconfirmed = stillUnconfirmed ?? f.StillUnconfirmed;
            Publish(f);
        }

        /// <summary>The values readers see: one volatile read of the published snapshot (copied, so later reads of the
        /// copy cannot mix two snapshots).</summary>
        private SubscriptionFields Published => Volatile.Read(ref _published).Fields;

        /// <summary>Publishes the next snapshot. Only the session loop writes, so a read-modify-publish never races another.</summary>
        private void Publish(in SubscriptionFields next) => Volatile.Write(ref _published, new SubscriptionSnapshot(next));

        private SubscriptionSnapshot _published = SubscriptionSnapshot.Initial;

        /// <summary>The snapshot readers see now (tests; readers use the properties).</summary>
        internal SubscriptionSnapshot Snapshot => Volatile.Read(ref _published);

        internal StreamKey Key { get; }
        /// <summary>Subscribed, or being subscribed: the session delivers (or will deliver) its messages.</summary>
        internal bool IsLive => State == C2SubscriptionState.Pending || State == C2SubscriptionState.Active;

        public override string ToString() => Key.ToString();
    }
}
