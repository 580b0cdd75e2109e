using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// The fields of a JSON object decoded into plain .NET values, without knowing the schema (C2 does not publish
    /// it): objects become nested <see cref="PayloadFields"/>, arrays <c>object[]</c>, integers <c>long</c>, other
    /// numbers <c>decimal</c> (prices stay exact) or <c>double</c>, ISO 8601 date-times <see cref="DateTimeOffset"/>
    /// (so <c>Where-Object posted_at -gt (Get-Date)</c> compares times, not text), other strings <c>string</c>.
    /// Empty names are skipped and, for a name repeated in any letter case, the last value wins (the raw JSON keeps
    /// everything). Decoded on first use, never on the receive loop.
    /// </summary>
    internal sealed class PayloadFields
    {
        public const int MaxDepth = 32;
        public static readonly PayloadFields None = new PayloadFields(Array.Empty<string>(), Array.Empty<object?>(), 0, "", isObject: false);

        private PayloadFields(string[] names, object?[] values, int count, string json, bool isObject)
        {
            Names = names; Values = values; Count = count; Json = json; IsObject = isObject;
        }

        public string[] Names { get; }
        public object?[] Values { get; }
        public int Count { get; }
        public bool IsObject { get; }
        /// <summary>The object's JSON text, as received (used where a nested object must be shown as one cell).</summary>
        public string Json { get; }

        /// <summary>Index of a field by name (case-insensitive, as PowerShell property names are), or -1.</summary>
        public int IndexOf(string name)
        {
            for (var i = 0; i < Count; i++)
                if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        public object? this[string name] { get { var i = IndexOf(name); return i < 0 ? null : Values[i]; } }

        /// <summary>Decodes a payload object (any other JSON value gives <see cref="None"/>). Malformed input gives None too.</summary>
        public static PayloadFields Decode(byte[] utf8, int start, int length)
        {
            if (length <= 0) return None;
            try
            {
                var r = new Utf8JsonReader(new ReadOnlySpan<byte>(utf8, start, length), new JsonReaderOptions { MaxDepth = 256 });
                if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return None;
                return ReadObject(ref r, utf8, start, 0);
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is FormatException)
            {
                return None;
            }
        }

        private static PayloadFields ReadObject(ref Utf8JsonReader r, byte[] utf8, int baseOffset, int depth)
        {
            var begin = (int)r.TokenStartIndex;
            var names = new string[8];
            var values = new object?[8];
            var n = 0;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var name = r.GetString() ?? "";
                r.Read();
                var value = ReadValue(ref r, utf8, baseOffset, depth + 1);
                if (name.Length == 0) continue;
                var at = -1;
                for (var i = 0; i < n; i++) if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) { at = i; break; }
                if (at >= 0) { names[at] = name; values[at] = value; continue; }
                if (n == names.Length) { Array.Resize(ref names, n * 2); Array.Resize(ref values, n * 2); }
                names[n] = name;
                values[n] = value;
                n++;
            }
            var end = (int)r.BytesConsumed;
            var json = Encoding.UTF8.GetString(utf8, baseOffset + begin, end - begin);
            return new PayloadFields(names, values, n, json, isObject: true);
        }

        private static object? ReadValue(ref Utf8JsonReader r, byte[] utf8, int baseOffset, int depth)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.StartObject:
                    if (depth > MaxDepth) return RawAndSkip(ref r, utf8, baseOffset);
                    return ReadObject(ref r, utf8, baseOffset, depth);
                case JsonTokenType.StartArray:
                    if (depth > MaxDepth) return RawAndSkip(ref r, utf8, baseOffset);
                    var list = new List<object?>();
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray) list.Add(ReadValue(ref r, utf8, baseOffset, depth + 1));
                    return list.ToArray();
                case JsonTokenType.String:
                    var s = r.GetString();
                    return s != null && Timestamps.TryParse(s, out var t) ? (object)t : s;
                case JsonTokenType.Number:
                    if (r.TryGetInt64(out var l)) return l;
                    if (r.TryGetDecimal(out var m)) return m;
                    return r.GetDouble();
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                default: return null;
            }
        }

        private static string RawAndSkip(ref Utf8JsonReader r, byte[] utf8, int baseOffset)
        {
            var begin = (int)r.TokenStartIndex;
            r.Skip();
            return Encoding.UTF8.GetString(utf8, baseOffset + begin, (int)r.BytesConsumed - begin);
        }
    }
}
