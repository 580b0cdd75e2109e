namespace C2WebSocket.Protocol
{
    /// <summary>The documented C2 WebSocket message types and channel names (docs/protocol.md §3).</summary>
    public static class MessageTypes
    {
        public const string ConnectionConnected = "connection.connected";
        public const string ConnectionDisconnected = "connection.disconnected";
        public const string Heartbeat = "heartbeat";
        public const string HeartbeatAck = "heartbeat.ack";
        public const string SubscriptionRequest = "subscription.request";
        public const string SubscriptionAck = "subscription.ack";
        public const string StrategySignal = "strategy.signal";
        public const string StrategyPositions = "strategy.positions";
        public const string Gap = "gap";
        public const string Error = "error";
    }

    /// <summary>Subscribable channels.</summary>
    public static class Channels
    {
        public const string Signal = MessageTypes.StrategySignal;
        public const string Positions = MessageTypes.StrategyPositions;
        public static readonly string[] All = { Signal, Positions };

        public static bool IsValid(string? channel) => channel == Signal || channel == Positions;
    }

    /// <summary>Documented protocol limits (docs/protocol.md §10).</summary>
    public static class ProtocolLimits
    {
        public const int ProtocolVersion = 4;
        public const int MaxRequestIdLength = 50;
        public const int MaxSubscriptionsPerConnection = 100;
        public const int MaxConnectionsPerKey = 10;
        public const int ReplayLimit = 1000;
        public const double HeartbeatIntervalSec = 30;
        public const double HeartbeatGraceSec = 10;
        public const double ClockToleranceSec = 60;
    }
}
