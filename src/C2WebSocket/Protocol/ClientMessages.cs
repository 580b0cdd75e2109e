using System;
using System.Globalization;
using System.Text;

namespace C2WebSocket.Protocol
{
    /// <summary>Encodes the two documented client messages (docs/protocol.md §3.1) as UTF-8 JSON.</summary>
    internal static class ClientMessages
    {
        public const string Subscribe = "subscribe";
        public const string Unsubscribe = "unsubscribe";

        /// <summary>Client timestamps: UTC, whole seconds, 'Z' suffix, as in every documented example.</summary>
        public static string FormatTimestamp(DateTimeOffset utc) =>
            utc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        // Written by hand rather than with Utf8JsonWriter: these are the only messages a client sends, their shape is
        // fixed, and the writer's first use (with System.Text.Encodings.Web behind it) cost every process's first
        // subscribe several milliseconds of loading and JIT. Strings are escaped as the writer's default encoder does.
        public static byte[] HeartbeatAck(DateTimeOffset serverNow) =>
            Encoding.UTF8.GetBytes("{\"msg_type\":\"" + MessageTypes.HeartbeatAck + "\",\"timestamp\":\"" + FormatTimestamp(serverNow) + "\"}");

        /// <summary>A subscription.request; <paramref name="resumeFrom"/> is written only for a subscribe to strategy.signal and when positive.</summary>
        public static byte[] Subscription(string action, StreamKey stream, string? requestId, long? resumeFrom, ResumeFromWireType resumeType, DateTimeOffset serverNow)
        {
            if (!stream.StrategyId.HasValue) throw new ArgumentException("A subscription names a strategy.", nameof(stream));
            var sb = new StringBuilder(200);
            sb.Append("{\"msg_type\":");
            AppendString(sb, MessageTypes.SubscriptionRequest);
            if (requestId != null) { sb.Append(",\"request_id\":"); AppendString(sb, requestId); }
            sb.Append(",\"timestamp\":");
            AppendString(sb, FormatTimestamp(serverNow));
            sb.Append(",\"payload\":{\"action\":");
            AppendString(sb, action);
            sb.Append(",\"channel\":");
            AppendString(sb, stream.Channel);
            sb.Append(",\"strategy_id\":").Append(stream.StrategyId.Value.ToString(CultureInfo.InvariantCulture));
            if (action == Subscribe && stream.IsSignal && resumeFrom is long r && r > 0)
            {
                var text = r.ToString(CultureInfo.InvariantCulture);
                sb.Append(",\"resume_from\":");
                if (resumeType == ResumeFromWireType.Number) sb.Append(text);
                else sb.Append('"').Append(text).Append('"');
            }
            sb.Append("}}");
            return Encoding.UTF8.GetBytes(sb.ToString());
        }

        private static void AppendString(StringBuilder sb, string value) => JsonText.AppendString(sb, value, asciiOnly: true);
    }
}
