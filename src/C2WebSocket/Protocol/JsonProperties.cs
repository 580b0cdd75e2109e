using System;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>Reading one property of a JSON object leniently: a value of another kind reads as missing.</summary>
    internal static class JsonProperties
    {
        /// <summary>A whole number property; null when it is missing or of another kind.</summary>
        public static long? Long(JsonElement e, string name) =>
            e.TryGetProperty(name, out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out var v) ? v : (long?)null;

        /// <summary>A timestamp property; null when it is missing, of another kind or unreadable.</summary>
        public static DateTimeOffset? Time(JsonElement e, string name) =>
            e.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && Timestamps.TryParse(t.GetString(), out var v)
                ? v : (DateTimeOffset?)null;
    }
}
