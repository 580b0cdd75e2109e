using System;
using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace C2WebSocket
{
    /// <summary>
    /// The hidden properties <c>Payload</c> and <c>RawJson</c> of signals and position updates, added by
    /// C2WebSocket.Types.ps1xml as CodeProperty entries (so these methods stay public, static, with a PSObject
    /// parameter): reachable as <c>$_.Payload</c> and <c>$_.RawJson</c> and listed by Get-Member -Force, but left out of
    /// Export-Csv, ConvertTo-Json, Select-Object * and Format-List *, which would otherwise write every payload field two
    /// more times. Also the text forms of values, for <see cref="ToStringMember"/>: times ISO 8601 with milliseconds and
    /// offset whatever the culture, nested payload objects and arrays compact JSON.
    /// </summary>
    public static class C2MessageMembers
    {
        internal const string PayloadName = "Payload";
        internal const string RawJsonName = "RawJson";

        private const string IsoMilliseconds = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";
        private const string IsoTicks = "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz";

        /// <summary>The payload as one object (hidden property <c>Payload</c>): its fields, nested objects included.</summary>
        public static object? GetPayload(PSObject instance)
        {
            if (!(instance?.BaseObject is C2StreamMessage message)) return null;
            var slots = message.Projections;
            var cached = slots?[C2StreamMessageAdapter.PayloadSlot];
            if (cached != null) return cached;
            var payload = PayloadProjection.Payload(message);
            if (payload == null) return null;
            return C2StreamMessageAdapter.Projected(message, C2StreamMessageAdapter.PayloadSlot, payload);
        }

        /// <summary>The message exactly as the server sent it (hidden property <c>RawJson</c>); for a "History" object, the REST row.</summary>
        public static string? GetRawJson(PSObject instance) => (instance?.BaseObject as C2StreamMessage)?.RawJson;

        /// <summary>For a "History" object, the range of the stream it fills (hidden property <c>FilledGap</c>); null for stream messages.</summary>
        public static C2DeliveryGap? GetFilledGap(PSObject instance) => (instance?.BaseObject as C2StreamMessage)?.FilledGap;

        /// <summary>Compact JSON of a nested payload object or array: times in the same ISO 8601 form as <see cref="FormatTime"/>.</summary>
        internal static string ToJson(object value)
        {
            var sb = new StringBuilder();
            WriteJson(sb, value, 0);
            return sb.ToString();
        }

        /// <summary>ISO 8601 with milliseconds and offset; seven fraction digits when there is more than milliseconds.</summary>
        internal static string FormatTime(DateTimeOffset time) =>
            time.ToString(time.Ticks % TimeSpan.TicksPerMillisecond == 0 ? IsoMilliseconds : IsoTicks, CultureInfo.InvariantCulture);

        private const int MaxJsonDepth = 64;

        private static void WriteJson(StringBuilder sb, object? value, int depth)
        {
            if (value is PSObject pso && !(pso.BaseObject is PSCustomObject)) value = pso.BaseObject;
            switch (value)
            {
                case null: sb.Append("null"); return;
                case string s: WriteString(sb, s); return;
                case bool b: sb.Append(b ? "true" : "false"); return;
                case DateTimeOffset time: WriteString(sb, FormatTime(time)); return;
                case DateTime dt: WriteString(sb, dt.ToString("o", CultureInfo.InvariantCulture)); return;
                case double d: WriteFloat(sb, d, d.ToString("R", CultureInfo.InvariantCulture)); return;
                case float f: WriteFloat(sb, f, f.ToString("R", CultureInfo.InvariantCulture)); return;
                case long _: case int _: case short _: case sbyte _: case ulong _: case uint _: case ushort _: case byte _: case decimal _:
                    sb.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)); return;
            }
            if (depth >= MaxJsonDepth) { WriteString(sb, value.ToString() ?? ""); return; }
            if (value is PSObject custom)
            {
                sb.Append('{');
                var first = true;
                foreach (var p in custom.Properties)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    object? v;
                    try { v = p.Value; } catch (GetValueException) { v = null; }
                    WriteJson(sb, v, depth + 1);
                }
                sb.Append('}');
                return;
            }
            if (value is IDictionary dict)
            {
                sb.Append('{');
                var first = true;
                foreach (DictionaryEntry entry in dict)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    sb.Append(':');
                    WriteJson(sb, entry.Value, depth + 1);
                }
                sb.Append('}');
                return;
            }
            if (value is IEnumerable list)
            {
                sb.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteJson(sb, item, depth + 1);
                }
                sb.Append(']');
                return;
            }
            WriteString(sb, value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? "");
        }

        private static void WriteFloat(StringBuilder sb, double value, string text)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) WriteString(sb, text);
            else sb.Append(text);
        }

        private static void WriteString(StringBuilder sb, string s) => Protocol.JsonText.AppendString(sb, s, asciiOnly: false);
    }
}
