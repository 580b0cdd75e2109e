using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace C2WebSocket.Tests.Hostile
{
    /// <summary>
    /// Deterministic generator of hostile server messages: valid envelopes with wrong field types, random bytes,
    /// mutations of valid messages, huge strings, deep nesting, invalid UTF-8, duplicate and empty keys.
    /// Never names the strategies in <see cref="ReservedStrategies"/> so tests can keep a clean stream beside the noise.
    /// </summary>
    internal sealed class MessageFuzzer
    {
        private static readonly string[] Types =
        {
            "connection.connected", "connection.disconnected", "heartbeat", "subscription.ack", "strategy.signal",
            "strategy.positions", "gap", "error", "heartbeat.ack", "subscription.request", "", "STRATEGY.SIGNAL",
            "strategy.signal ", "unknown.type", "\u0000", "💥", "strategy.signal\u0000x",
        };

        private readonly Random _r;
        public MessageFuzzer(int seed) { _r = new Random(seed); }

        public HashSet<long> ReservedStrategies { get; } = new HashSet<long>();
        public bool AllowInvalidUtf8 { get; set; } = true;
        public int HugeStringBytes { get; set; } = 200_000;

        public (byte[] Bytes, bool Binary, string Kind) Next()
        {
            var k = _r.Next(100);
            if (k < 45) return (Utf8(Envelope(0)), false, "envelope");
            if (k < 60) return (Mutate(Utf8(Envelope(0))), false, "mutated");
            if (k < 68) return (RandomBytes(_r.Next(0, 300)), _r.Next(4) == 0, "random-bytes");
            if (k < 75) return (Utf8(Deep(_r.Next(1, 300))), false, "deep");
            if (k < 80) return (Utf8(NonObject()), false, "non-object");
            if (k < 85) return (Utf8(DuplicateKeys()), false, "dup-keys");
            if (k < 90 && AllowInvalidUtf8) return (InvalidUtf8(), false, "invalid-utf8");
            if (k < 91) return (Utf8(Huge()), false, "huge");
            if (k < 95) return (Utf8(Envelope(0)), true, "binary-envelope");
            return (Utf8(Truncated()), false, "truncated");
        }

        private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

        private string MsgType() => Types[_r.Next(Types.Length)];

        private long Strategy()
        {
            while (true)
            {
                var v = _r.Next(4) switch { 0 => _r.Next(1, 100), 1 => (long)_r.Next(), 2 => long.MaxValue - _r.Next(3), _ => -_r.Next(1, 1000) };
                if (!ReservedStrategies.Contains(v)) return v;
            }
        }

        /// <summary>A JSON value of any type, sometimes of the expected one.</summary>
        private string AnyValue(int depth)
        {
            switch (_r.Next(depth > 4 ? 8 : 11))
            {
                case 0: return "null";
                case 1: return _r.Next(2) == 0 ? "true" : "false";
                case 2: return _r.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture);
                case 3: return (_r.NextDouble() * Math.Pow(10, _r.Next(-20, 400))).ToString("R", CultureInfo.InvariantCulture).Replace("∞", "1e999");
                case 4: return "99999999999999999999999999999999999999";
                case 5: return "-0.0000000000000000000000001e-999";
                case 6: case 7: return JsonString(RandomText(_r.Next(0, 40)));
                case 8: return "[" + string.Join(",", List(_r.Next(0, 5), () => AnyValue(depth + 1))) + "]";
                default: return Obj(depth + 1);
            }
        }

        private string Obj(int depth)
        {
            var n = _r.Next(0, 6);
            var parts = new List<string>();
            for (int i = 0; i < n; i++) parts.Add(JsonString(Key()) + ":" + AnyValue(depth));
            return "{" + string.Join(",", parts) + "}";
        }

        private string Key() => _r.Next(8) switch
        {
            0 => "",
            1 => "symbol",
            2 => "Symbol",
            3 => "strategy_id",
            4 => "SeqId",
            5 => "payload",
            _ => RandomText(_r.Next(1, 12)),
        };

        private static List<string> List(int n, Func<string> f) { var l = new List<string>(); for (int i = 0; i < n; i++) l.Add(f()); return l; }

        private string RandomText(int n)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < n; i++)
            {
                switch (_r.Next(10))
                {
                    case 0: sb.Append((char)_r.Next(0, 32)); break;
                    case 1: sb.Append((char)_r.Next(0x80, 0x7FF)); break;
                    case 2: sb.Append(char.ConvertFromUtf32(_r.Next(0x1F300, 0x1F600))); break;
                    case 3: sb.Append(_r.Next(2) == 0 ? '"' : '\\'); break;
                    default: sb.Append((char)_r.Next(32, 127)); break;
                }
            }
            return sb.ToString();
        }

        private static string JsonString(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (var c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 32) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }

        /// <summary>An envelope: each field present or not, of its type or not.</summary>
        private string Envelope(int depth)
        {
            var fields = new List<string>();
            if (_r.Next(20) != 0) fields.Add("\"msg_type\":" + (_r.Next(10) == 0 ? AnyValue(depth) : JsonString(MsgType())));
            if (_r.Next(2) == 0) fields.Add("\"id\":" + (_r.Next(3) == 0 ? AnyValue(depth) : JsonString("msg_" + _r.Next().ToString("x", CultureInfo.InvariantCulture))));
            if (_r.Next(2) == 0) fields.Add("\"seq_id\":" + (_r.Next(3) == 0 ? AnyValue(depth) : _r.Next(4) == 0 ? "\"" + _r.Next() + "\"" : _r.Next(1, 1_000_000).ToString(CultureInfo.InvariantCulture)));
            if (_r.Next(3) == 0) fields.Add("\"request_id\":" + (_r.Next(3) == 0 ? AnyValue(depth) : JsonString("ps1-" + _r.Next(0, 50))));
            if (_r.Next(2) == 0) fields.Add("\"timestamp\":" + (_r.Next(3) == 0 ? AnyValue(depth) : JsonString(_r.Next(2) == 0 ? DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : RandomText(20))));
            if (_r.Next(2) == 0) fields.Add("\"v\":" + (_r.Next(3) == 0 ? AnyValue(depth) : _r.Next(0, 6).ToString(CultureInfo.InvariantCulture)));
            if (_r.Next(4) != 0) fields.Add("\"payload\":" + Payload(depth));
            if (_r.Next(5) == 0) fields.Add(JsonString(Key()) + ":" + AnyValue(depth));
            Shuffle(fields);
            return "{" + string.Join(",", fields) + "}";
        }

        private string Payload(int depth)
        {
            if (_r.Next(6) == 0) return AnyValue(depth);
            var fields = new List<string>();
            if (_r.Next(2) == 0) fields.Add("\"strategy_id\":" + (_r.Next(3) == 0 ? AnyValue(depth) : _r.Next(2) == 0 ? Strategy().ToString(CultureInfo.InvariantCulture) : "\"" + Strategy() + "\""));
            if (_r.Next(3) == 0) fields.Add("\"channel\":" + (_r.Next(3) == 0 ? AnyValue(depth) : JsonString(_r.Next(2) == 0 ? "strategy.signal:" + Strategy() : RandomText(10))));
            if (_r.Next(3) == 0) fields.Add("\"code\":" + AnyValue(depth));
            if (_r.Next(3) == 0) fields.Add("\"errors\":" + (_r.Next(2) == 0 ? "[" + string.Join(",", List(_r.Next(0, 4), () => AnyValue(depth + 1))) + "]" : AnyValue(depth)));
            if (_r.Next(3) == 0) fields.Add("\"from\":" + AnyValue(depth));
            for (int i = _r.Next(0, 5); i > 0; i--) fields.Add(JsonString(Key()) + ":" + AnyValue(depth));
            return "{" + string.Join(",", fields) + "}";
        }

        private void Shuffle(List<string> l)
        {
            for (int i = l.Count - 1; i > 0; i--) { var j = _r.Next(i + 1); (l[i], l[j]) = (l[j], l[i]); }
        }

        private byte[] Mutate(byte[] b)
        {
            var list = new List<byte>(b);
            for (int n = _r.Next(1, 4); n > 0 && list.Count > 0; n--)
            {
                var at = _r.Next(list.Count);
                switch (_r.Next(4))
                {
                    case 0: list[at] = (byte)_r.Next(256); break;
                    case 1: list.RemoveAt(at); break;
                    case 2: list.Insert(at, (byte)"{}[]\",:\\0e-"[_r.Next(11)]); break;
                    default: list.RemoveRange(at, list.Count - at); break;
                }
            }
            var bytes = list.ToArray();
            if (!AllowInvalidUtf8) bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes));
            return bytes;
        }

        private byte[] RandomBytes(int n)
        {
            var b = new byte[n];
            _r.NextBytes(b);
            if (!AllowInvalidUtf8) b = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b));
            return b;
        }

        private string Deep(int depth)
        {
            var sb = new StringBuilder("{\"msg_type\":\"" + (_r.Next(2) == 0 ? "strategy.signal" : "error") + "\",\"payload\":");
            var opens = new Stack<char>();
            for (int i = 0; i < depth; i++)
            {
                if (_r.Next(2) == 0) { sb.Append("{\"a\":"); opens.Push('}'); }
                else { sb.Append('['); opens.Push(']'); }
            }
            sb.Append("1");
            while (opens.Count > 0) sb.Append(opens.Pop());
            return sb.Append('}').ToString();
        }

        private string NonObject() => _r.Next(6) switch
        {
            0 => "[" + Envelope(0) + "]",
            1 => "\"strategy.signal\"",
            2 => "42",
            3 => "null",
            4 => "",
            _ => "   ",
        };

        private string DuplicateKeys() =>
            "{\"msg_type\":\"strategy.signal\",\"msg_type\":\"heartbeat\",\"seq_id\":1,\"seq_id\":\"x\",\"payload\":{\"a\":1,\"a\":2,\"A\":3,\"\":4,\"strategy_id\":" + Strategy() + ",\"b\":{\"c\":1,\"c\":[1,2]}}}";

        private byte[] InvalidUtf8()
        {
            var head = Encoding.UTF8.GetBytes("{\"msg_type\":\"strategy.signal\",\"payload\":{\"symbol\":\"");
            byte[][] bad = { new byte[] { 0xC3 }, new byte[] { 0xFF, 0xFE }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 }, new byte[] { 0xC0, 0xAF }, new byte[] { 0xE2, 0x82 } };
            var tail = Encoding.UTF8.GetBytes("\"}}");
            var mid = bad[_r.Next(bad.Length)];
            var all = new byte[head.Length + mid.Length + tail.Length];
            head.CopyTo(all, 0); mid.CopyTo(all, head.Length); tail.CopyTo(all, head.Length + mid.Length);
            if (_r.Next(3) == 0) { all = Encoding.UTF8.GetBytes("{\"msg_type\":\"str"); Array.Resize(ref all, all.Length + 1); all[^1] = 0xE2; }
            return all;
        }

        private string Huge()
        {
            var n = _r.Next(HugeStringBytes / 2, HugeStringBytes);
            return _r.Next(3) switch
            {
                0 => "{\"msg_type\":\"strategy.signal\",\"payload\":{\"symbol\":\"" + new string('x', n) + "\"}}",
                1 => "{\"msg_type\":\"" + new string('m', n) + "\"}",
                _ => "{\"msg_type\":\"error\",\"payload\":{\"message\":\"" + new string('e', n) + "\",\"errors\":[" + string.Join(",", List(100, () => "{\"code\":\"X\"}")) + "]}}",
            };
        }

        private string Truncated()
        {
            var s = Envelope(0);
            return s.Substring(0, _r.Next(0, s.Length));
        }
    }
}
