namespace C2WebSocket.Protocol
{
    /// <summary>Subscribable channels.</summary>
    public static class Channels
    {
        public const string Signal = MessageTypes.StrategySignal;
        public const string Positions = MessageTypes.StrategyPositions;
        public static readonly string[] All = { Signal, Positions };

        public static bool IsValid(string? channel) => channel == Signal || channel == Positions;
    }
}
