using System.Globalization;
using System.Text;

namespace C2WebSocket.Protocol
{
    /// <summary>The one JSON string writer of the module: the client's wire messages and the compact JSON ToString of
    /// payload values (a spreadsheet cell) both use it.</summary>
    internal static class JsonText
    {
        /// <summary>
        /// Appends <paramref name="value"/> as a JSON string. <c>"</c>, <c>\</c> and control characters are always
        /// escaped. With <paramref name="asciiOnly"/> (the wire) every other character outside printable ASCII, and
        /// <c>&lt; &gt; &amp; ' +</c>, is written as <c>\uXXXX</c> like System.Text.Json's default encoder; without it
        /// (text people read) letters stay as they are.
        /// </summary>
        public static void AppendString(StringBuilder sb, string value, bool asciiOnly)
        {
            sb.Append('"');
            foreach (var c in value)
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
                        var escape = c < ' ' || (asciiOnly && (c >= 0x7F || c == '<' || c == '>' || c == '&' || c == '\'' || c == '+'));
                        if (escape) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
