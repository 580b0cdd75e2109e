using System;
using System.Globalization;
using System.Threading.Tasks;

namespace C2WebSocket
{
    public enum C2SubscriptionState
    {
        /// <summary>Sent (or waiting for a connection); no acknowledgement yet.</summary>
        Pending,
        /// <summary>Acknowledged by the server.</summary>
        Active,
        /// <summary>Refused by the server (the error is in <see cref="C2Subscription.LastError"/>).</summary>
        Failed,
        /// <summary>Unsubscribed.</summary>
        Removed,
    }

    /// <summary>One (channel, strategy) subscription of a session.</summary>
    public sealed class C2Subscription
    {
        internal C2Subscription(C2Session session, string channel, long strategyId)
        {
            Session = session;
            Channel = channel;
            StrategyId = strategyId;
        }

        /// <summary>The owning session (lets Remove-C2Subscription and Receive-C2Signal bind from the pipeline).</summary>
        public C2Session Session { get; }
        public int SessionId => Session.Id;
        public string Channel { get; }
        public long StrategyId { get; }
        public C2SubscriptionState State { get; internal set; }
        public DateTimeOffset? SubscribedAt { get; internal set; }
        /// <summary>The resume_from sent with the latest subscribe (strategy.signal only).</summary>
        public long? ResumeFrom { get; internal set; }
        /// <summary>The highest seq_id queued for the pipeline.</summary>
        public long? LastSeqId => Session.LastQueuedSeq(Channel, StrategyId);
        /// <summary>How many times it was re-sent after a reconnect.</summary>
        public int Resubscribes { get; internal set; }
        public string? LastError { get; internal set; }

        internal TaskCompletionSource<bool> Acked = NewTcs();
        internal static TaskCompletionSource<bool> NewTcs() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        internal string Key => StreamKey(Channel, StrategyId);
        internal static string StreamKey(string channel, long? strategyId) =>
            channel + ":" + (strategyId?.ToString(CultureInfo.InvariantCulture) ?? "?");

        public override string ToString() => Key;
    }
}
