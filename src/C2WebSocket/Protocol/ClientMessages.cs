using System;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>How <c>resume_from</c> is written. The reference's field table says string, its example a number (§6.1).</summary>
    public enum ResumeFromWireType
    {
        String,
        Number,
    }

    /// <summary>Encodes the two documented client messages (reference §3.1) as UTF-8 JSON.</summary>
    internal static class ClientMessages
    {
        public const string Subscribe = "subscribe";
        public const string Unsubscribe = "unsubscribe";

        /// <summary>Client timestamps: UTC, whole seconds, 'Z' suffix, as in every documented example.</summary>
        public static string FormatTimestamp(DateTimeOffset utc) =>
            utc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        public static byte[] HeartbeatAck(DateTimeOffset serverNow) => Write(w =>
        {
            w.WriteString("msg_type", MessageTypes.HeartbeatAck);
            w.WriteString("timestamp", FormatTimestamp(serverNow));
        });

        /// <summary>A subscription.request; <paramref name="resumeFrom"/> is written only for a subscribe to strategy.signal and when positive.</summary>
        public static byte[] Subscription(string action, StreamKey stream, string? requestId, long? resumeFrom, ResumeFromWireType resumeType, DateTimeOffset serverNow) => Write(w =>
        {
            if (!stream.StrategyId.HasValue) throw new ArgumentException("A subscription names a strategy.", nameof(stream));
            w.WriteString("msg_type", MessageTypes.SubscriptionRequest);
            if (requestId != null) w.WriteString("request_id", requestId);
            w.WriteString("timestamp", FormatTimestamp(serverNow));
            w.WritePropertyName("payload");
            w.WriteStartObject();
            w.WriteString("action", action);
            w.WriteString("channel", stream.Channel);
            w.WriteNumber("strategy_id", stream.StrategyId.Value);
            if (action == Subscribe && stream.IsSignal && resumeFrom is long r && r > 0)
            {
                if (resumeType == ResumeFromWireType.Number) w.WriteNumber("resume_from", r);
                else w.WriteString("resume_from", r.ToString(CultureInfo.InvariantCulture));
            }
            w.WriteEndObject();
        });

        private static byte[] Write(Action<Utf8JsonWriter> body)
        {
            using (var stream = new MemoryStream(256))
            {
                using (var w = new Utf8JsonWriter(stream))
                {
                    w.WriteStartObject();
                    body(w);
                    w.WriteEndObject();
                }
                return stream.ToArray();
            }
        }
    }
}
