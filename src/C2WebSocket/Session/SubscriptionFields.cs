using System;

namespace C2WebSocket
{
    /// <summary>The values of a <see cref="C2Subscription"/> at one moment (copied by value into each snapshot).</summary>
    internal struct SubscriptionFields
    {
        public C2SubscriptionState State;
        public DateTimeOffset? SubscribedAt;
        public long? ResumeFrom;
        /// <summary>Whether the subscription has a position (its value is kept beside the snapshot: see C2Subscription.LastSeqId).</summary>
        public bool HasSeq;
        public int Resubscribes;
        public int ConnectionId;
        public bool StillUnconfirmed;
        public bool AlreadyReported;
        public string? LastError;
        public bool Verifying;
    }
}
