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
        /// <summary>Client timestamps: UTC, whole seconds, 'Z' suffix, as in every documented example.</summary>
        public static string FormatTimestamp(DateTime utc) =>
            utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        public static byte[] HeartbeatAck(DateTime utcNow)
        {
            return Write(w =>
            {
                w.WriteString("msg_type", MessageTypes.HeartbeatAck);
                w.WriteString("timestamp", FormatTimestamp(utcNow));
            });
        }

        public static byte[] Subscription(string action, string channel, long strategyId, string? requestId, long? resumeFrom, ResumeFromWireType resumeType, DateTime utcNow)
        {
            return Write(w =>
            {
                w.WriteString("msg_type", MessageTypes.SubscriptionRequest);
                if (requestId != null) w.WriteString("request_id", requestId);
                w.WriteString("timestamp", FormatTimestamp(utcNow));
                w.WritePropertyName("payload");
                w.WriteStartObject();
                w.WriteString("action", action);
                w.WriteString("channel", channel);
                w.WriteNumber("strategy_id", strategyId);
                if (resumeFrom.HasValue && resumeFrom.Value > 0)
                {
                    if (resumeType == ResumeFromWireType.Number) w.WriteNumber("resume_from", resumeFrom.Value);
                    else w.WriteString("resume_from", resumeFrom.Value.ToString(CultureInfo.InvariantCulture));
                }
                w.WriteEndObject();
            });
        }

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
