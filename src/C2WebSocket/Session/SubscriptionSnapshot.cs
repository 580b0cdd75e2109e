using System;

namespace C2WebSocket
{
    /// <summary>The values of a <see cref="C2Subscription"/> at one moment (copied by value into each snapshot).</summary>
    internal struct SubscriptionFields
    {
        public C2SubscriptionState State;
        public DateTimeOffset? SubscribedAt;
        public long? ResumeFrom;
        public long? LastSeqId;
        public int Resubscribes;
        public int ConnectionId;
        public bool StillUnconfirmed;
        public bool AlreadyReported;
        public string? LastError;
        public bool Verifying;
    }

    /// <summary>
    /// One published state of a <see cref="C2Subscription"/>: immutable, replaced as a whole by the session loop at each
    /// change (<see cref="C2Subscription"/>'s setters are the one place that builds it), read by cmdlets and format views
    /// with one volatile read, so a reader never sees half of a change or a torn nullable.
    /// </summary>
    internal sealed class SubscriptionSnapshot
    {
        public static readonly SubscriptionSnapshot Initial = new SubscriptionSnapshot(default);

        public SubscriptionSnapshot(in SubscriptionFields fields) { Fields = fields; }

        public readonly SubscriptionFields Fields;
    }
}
