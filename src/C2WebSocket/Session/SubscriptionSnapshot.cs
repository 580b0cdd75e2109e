using System;

namespace C2WebSocket
{
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
