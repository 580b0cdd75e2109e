using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// The fields of a JSON object decoded into plain .NET values, without knowing the schema (C2 does not publish
    /// it): objects become nested <see cref="PayloadFields"/>, arrays <c>object[]</c>, integers <c>long</c>, other
    /// numbers <c>decimal</c> (prices stay exact) or <c>double</c>, ISO 8601 date-times <see cref="DateTimeOffset"/>
    /// (so <c>Where-Object posted_at -gt (Get-Date)</c> compares times, not text), other strings <c>string</c>.
    /// Empty names are skipped and, for a name repeated in any letter case, the last value wins (the raw JSON keeps
    /// everything). Decoded on first use, never on the receive loop; plain string values only when read.
    /// </summary>
    internal sealed class PayloadFields
    {
        public const int MaxDepth = 32;
        public static readonly PayloadFields None = new PayloadFields(Array.Empty<string>(), Array.Empty<object?>(), Array.Empty<int>(), 0, Array.Empty<byte>(), 0, 0, isObject: false);

        /// <summary>Marks a plain string value not decoded yet: its UTF-8 (without quotes) is at <see cref="_spans"/>.</summary>
        private static readonly object Pending = new object();

        private readonly object?[] _values;
        private readonly int[] _spans; // start, length per field, for values still Pending
        private readonly byte[] _utf8;
        private readonly int _jsonStart, _jsonLength;
        private string? _json;

        private PayloadFields(string[] names, object?[] values, int[] spans, int count, byte[] utf8, int jsonStart, int jsonLength, bool isObject)
        {
            Names = names; _values = values; _spans = spans; Count = count; IsObject = isObject;
            _utf8 = utf8; _jsonStart = jsonStart; _jsonLength = jsonLength;
        }

        public string[] Names { get; }
        public int Count { get; }

        /// <summary>
        /// The value of field <paramref name="i"/>. A plain string (no escapes) is turned into a string, or a time, on
        /// first read: a pipeline that filters on one field does not pay for the others (a posted_at never read is
        /// never parsed). The bytes passed the strict UTF-8 check of <see cref="EnvelopeReader"/> and the reader's
        /// structural check when the payload was walked, so this cannot fail. Racing readers compute the same value.
        /// </summary>
        public object? Value(int i)
        {
            var v = _values[i];
            if (!ReferenceEquals(v, Pending)) return v;
            var s = Encoding.UTF8.GetString(_utf8, _spans[2 * i], _spans[2 * i + 1]);
            object decoded = Timestamps.TryParse(s, out var t) ? (object)t : s;
            _values[i] = decoded;
            return decoded;
        }
        public bool IsObject { get; }
        /// <summary>The object's JSON text, as received (used where a nested object must be shown as one cell); built on
        /// first use, not with every payload.</summary>
        public string Json => _json ??= Encoding.UTF8.GetString(_utf8, _jsonStart, _jsonLength);

        /// <summary>Index of a field by name (case-insensitive, as PowerShell property names are), or -1.</summary>
        public int IndexOf(string name)
        {
            for (var i = 0; i < Count; i++)
                if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        public object? this[string name] { get { var i = IndexOf(name); return i < 0 ? null : Value(i); } }

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
            var names = new string[16];
            var values = new object?[16];
            var spans = new int[32];
            var n = 0;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var name = FieldName(ref r);
                r.Read();
                int start = 0, length = 0;
                object? value;
                if (r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && !r.HasValueSequence)
                {
                    value = Pending;
                    start = baseOffset + (int)r.TokenStartIndex + 1; // after the opening quote
                    length = r.ValueSpan.Length;
                }
                else value = ReadValue(ref r, utf8, baseOffset, depth + 1);
                if (name.Length == 0) continue;
                var at = -1;
                for (var i = 0; i < n; i++) if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) { at = i; break; }
                if (at < 0)
                {
                    if (n == names.Length) { Array.Resize(ref names, n * 2); Array.Resize(ref values, n * 2); Array.Resize(ref spans, n * 4); }
                    at = n++;
                }
                names[at] = name;
                values[at] = value;
                spans[2 * at] = start;
                spans[2 * at + 1] = length;
            }
            var end = (int)r.BytesConsumed;
            return new PayloadFields(names, values, spans, n, utf8, baseOffset + begin, end - begin, isObject: true);
        }

        /// <summary>Field names repeat from message to message: a small cache hands out the same string for the same
        /// UTF-8 name instead of a new one per field per message. Entries are immutable and replaced whole, so readers
        /// on several threads need no lock (a lost race only costs one allocation).</summary>
        private sealed class NameEntry
        {
            public NameEntry(byte[] utf8, string name) { Utf8 = utf8; Name = name; }
            public byte[] Utf8 { get; }
            public string Name { get; }
        }

        private static readonly NameEntry?[] Names256 = new NameEntry?[256];

        private static string FieldName(ref Utf8JsonReader r)
        {
            var span = r.ValueSpan;
            if (r.ValueIsEscaped || r.HasValueSequence || span.Length > 64) return r.GetString() ?? "";
            var h = (uint)span.Length * 31u;
            foreach (var b in span) h = (h ^ b) * 16777619u;
            var slot = (int)(h & 255);
            var cached = Volatile.Read(ref Names256[slot]);
            if (cached != null && span.SequenceEqual(cached.Utf8)) return cached.Name;
            var name = r.GetString() ?? "";
            Volatile.Write(ref Names256[slot], new NameEntry(span.ToArray(), name));
            return name;
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
