using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    public enum C2SubscriptionState
    {
        /// <summary>Sent (or waiting for a connection); no acknowledgement yet.</summary>
        Pending,
        /// <summary>Acknowledged by the server.</summary>
        Active,
        /// <summary>Refused by the server, or not restored (the error is in <see cref="C2Subscription.LastError"/>).</summary>
        Failed,
        /// <summary>Unsubscribed with Remove-C2Subscription.</summary>
        Removed,
        /// <summary>Its session was closed (Disconnect-C2Socket) or failed.</summary>
        Closed,
    }

    /// <summary>One (channel, strategy) subscription of a session. Only the session loop changes it; readers see a recent state.</summary>
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
        public C2SubscriptionState State { get; internal set; }
        public DateTimeOffset? SubscribedAt { get; internal set; }
        /// <summary>The resume_from sent with the latest subscribe (strategy.signal only).</summary>
        public long? ResumeFrom { get; internal set; }
        /// <summary>The highest seq_id of this stream the session has queued for the pipeline (or skipped as older than its watch).</summary>
        public long? LastSeqId { get; internal set; }
        /// <summary>How many times it was sent again (reconnects, replay pages, inbox recovery).</summary>
        public int Resubscribes { get; internal set; }
        /// <summary>Which connection of the session carries it (0 unless the server's messages do not name their strategy).</summary>
        public int ConnectionId { get; internal set; }
        /// <summary>True while the session cannot confirm that nothing was published since the stream was first watched:
        /// no signal has arrived yet and its very first one (seq_id 1) could not be replayed by the protocol.</summary>
        public bool Unverified { get => StillUnconfirmed && !AlreadyReported; internal set => StillUnconfirmed = value; }
        /// <summary>No signal since the stream was first watched, whether or not an earlier run already said so.</summary>
        internal bool StillUnconfirmed { get; private set; }
        /// <summary>An earlier run with the same checkpoint already reported this stream as unconfirmed (and nothing
        /// has arrived since): it is not news, so <see cref="Unverified"/> is false and no warning is repeated.</summary>
        internal bool AlreadyReported { get; set; }
        public string? LastError { get; internal set; }
        /// <summary>A resume is waiting for the last message delivered to come back (proof that the server's sequence still
        /// holds the position); Receive-C2Signal -IdleTimeoutSec does not end a read while it waits.</summary>
        internal bool Verifying { get; set; }

        internal StreamKey Key { get; }
        /// <summary>Subscribed, or being subscribed: the session delivers (or will deliver) its messages.</summary>
        internal bool IsLive => State == C2SubscriptionState.Pending || State == C2SubscriptionState.Active;

        public override string ToString() => Key.ToString();
    }
}
