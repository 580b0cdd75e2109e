using System;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    internal static class Timestamps
    {
        /// <summary>ISO 8601 with a date and a time (docs/protocol.md §2: parse with round-trip rules, any fraction).</summary>
        public static bool TryParse(string? text, out DateTimeOffset value)
        {
            value = default;
            if (text == null || !LooksLikeIsoDateTime(text)) return false;
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
        }

        /// <summary><c>yyyy-MM-ddTHH:mm</c> at the start: only such strings are read as times (a symbol or id never is).</summary>
        public static bool LooksLikeIsoDateTime(string s)
        {
            if (s.Length < 16 || s.Length > 40) return false;
            for (var i = 0; i < 16; i++)
            {
                var c = s[i];
                switch (i)
                {
                    case 4: case 7: if (c != '-') return false; break;
                    case 10: if (c != 'T' && c != 't' && c != ' ') return false; break;
                    case 13: if (c != ':') return false; break;
                    default: if (c < '0' || c > '9') return false; break;
                }
            }
            return true;
        }
    }
}
