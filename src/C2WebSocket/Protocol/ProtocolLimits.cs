namespace C2WebSocket.Protocol
{
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
