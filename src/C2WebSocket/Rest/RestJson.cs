using System.Globalization;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>JSON names read the way C2's spec pages write them: PascalCase or camelCase (and snake_case for the
    /// pagination), so a name matches ignoring letter case and underscores.</summary>
    internal static class RestJson
    {
        public static bool TryGet(JsonElement obj, string name, out JsonElement value)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (SameName(p.Name, name)) { value = p.Value; return true; }
            }
            value = default;
            return false;
        }

        public static bool SameName(string a, string b)
        {
            int i = 0, j = 0;
            while (true)
            {
                while (i < a.Length && a[i] == '_') i++;
                while (j < b.Length && b[j] == '_') j++;
                if (i == a.Length || j == b.Length) return i == a.Length && j == b.Length;
                if (char.ToUpperInvariant(a[i]) != char.ToUpperInvariant(b[j])) return false;
                i++; j++;
            }
        }

        /// <summary>A string, or a number's text; null for anything else.</summary>
        public static string? Text(JsonElement obj, string name)
        {
            if (!TryGet(obj, name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.Number: return v.GetRawText();
                case JsonValueKind.True: return "true";
                case JsonValueKind.False: return "false";
                default: return null;
            }
        }

        public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
