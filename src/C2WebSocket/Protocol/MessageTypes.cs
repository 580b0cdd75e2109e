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
}
