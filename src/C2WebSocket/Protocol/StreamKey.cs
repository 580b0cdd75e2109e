using System;
using System.Globalization;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// One stream of data messages: a channel and the strategy it belongs to. Written as C2's stream name
    /// <c>strategy.signal:12345678</c> (the shape of the <c>gap</c> message's <c>channel</c>, docs/protocol.md §8.3);
    /// a stream whose strategy is not known is written with <c>?</c>. The one place stream names are built and parsed.
    /// </summary>
    internal readonly struct StreamKey : IEquatable<StreamKey>
    {
        public StreamKey(string channel, long? strategyId)
        {
            Channel = channel ?? throw new ArgumentNullException(nameof(channel));
            StrategyId = strategyId;
        }

        public string Channel { get; }
        public long? StrategyId { get; }
        public bool IsSignal => Channel == Channels.Signal;

        public bool Equals(StreamKey other) => StrategyId == other.StrategyId && string.Equals(Channel, other.Channel, StringComparison.Ordinal);
        public override bool Equals(object? obj) => obj is StreamKey k && Equals(k);
        // The channel's length, not its characters: the channels differ in length, and the key is hashed several times for
        // every message (the subscription book, the inbox lane); equal keys still hash equal.
        public override int GetHashCode() => unchecked((Channel?.Length ?? 0) * 397 ^ StrategyId.GetHashCode());
        public static bool operator ==(StreamKey a, StreamKey b) => a.Equals(b);
        public static bool operator !=(StreamKey a, StreamKey b) => !a.Equals(b);

        public override string ToString() => Channel + ":" + (StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?");

        /// <summary>Parses <c>channel:strategy</c> (the strategy part may be missing, empty or <c>?</c>).</summary>
        public static bool TryParse(string? text, out StreamKey key)
        {
            key = default;
            if (string.IsNullOrEmpty(text)) return false;
            var colon = text!.LastIndexOf(':');
            var channel = colon < 0 ? text : text.Substring(0, colon);
            if (!Channels.IsValid(channel)) return false;
            long? strategy = null;
            if (colon >= 0)
            {
                var rest = text.Substring(colon + 1);
                if (long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0) strategy = id;
                else if (rest.Length > 0 && rest != "?") return false;
            }
            key = new StreamKey(channel, strategy);
            return true;
        }
    }
}
