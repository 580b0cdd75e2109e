using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace C2WebSocket
{
    /// <summary>
    /// The members C2WebSocket.Types.ps1xml adds through CodeProperty and CodeMethod entries (so they must stay public,
    /// static, with a PSObject first parameter):
    /// <list type="bullet">
    /// <item>the hidden properties <c>Payload</c> and <c>RawJson</c> of signals and position updates: reachable as
    /// <c>$_.Payload</c> and <c>$_.RawJson</c> and listed by Get-Member -Force, but left out of Export-Csv,
    /// ConvertTo-Json, Select-Object * and Format-List *, which would otherwise write every payload field two more times;</item>
    /// <item>the ToString of times (ISO 8601 with milliseconds and offset, whatever the culture) and of nested payload
    /// objects and arrays (compact JSON), which is what Export-Csv writes into a cell and what list views show.</item>
    /// </list>
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

        /// <summary>The message exactly as the server sent it (hidden property <c>RawJson</c>).</summary>
        public static string? GetRawJson(PSObject instance) => (instance?.BaseObject as C2StreamMessage)?.RawJson;

        /// <summary>
        /// ToString of a time (type name C2WebSocket.IsoDateTimeOffset): without arguments ISO 8601 with milliseconds and
        /// offset, <c>2026-11-30T08:31:44.120+00:00</c> (all seven fraction digits when the time has sub-millisecond
        /// ticks, so nothing is lost), independent of the culture; with arguments the DateTimeOffset's own
        /// ToString(format), ToString(provider) or ToString(format, provider).
        /// </summary>
        public static string TimeToString(PSObject instance, object? format = null, object? formatProvider = null)
        {
            var time = instance?.BaseObject is DateTimeOffset t ? t : default;
            if (format == null && formatProvider == null) return FormatTime(time);
            if (format is IFormatProvider onlyProvider && formatProvider == null) return time.ToString(onlyProvider);
            return time.ToString(format == null ? null : Convert.ToString(format, CultureInfo.InvariantCulture), formatProvider as IFormatProvider);
        }

        /// <summary>ToString of a nested payload object or array (type names C2WebSocket.PayloadObject and
        /// C2WebSocket.PayloadArray): compact JSON, times in the same ISO 8601 form as <see cref="TimeToString"/>.</summary>
        public static string JsonToString(PSObject instance, object? format = null, object? formatProvider = null)
        {
            var sb = new StringBuilder();
            WriteJson(sb, instance, 0);
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

        private static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
