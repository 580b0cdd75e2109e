using System;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    internal static class EnvelopeReader
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private static readonly JsonReaderOptions Options = new JsonReaderOptions { MaxDepth = 64 };

        /// <summary>Decodes one message. Throws <see cref="ProtocolException"/> for anything that is not a JSON object
        /// with a string msg_type and well-typed envelope fields.</summary>
        public static Envelope Decode(byte[] utf8, int length)
        {
            // Utf8JsonReader does not check the UTF-8 inside strings; an invalid sequence would surface far from here
            // (GetString on the pipeline thread). Refuse the whole message up front (vectorised on .NET Core).
            try { StrictUtf8.GetCharCount(utf8, 0, length); }
            catch (DecoderFallbackException ex)
            {
                throw new ProtocolException("InvalidUtf8", "The server sent a text message that is not valid UTF-8 (invalid byte sequence at offset " + ex.Index.ToString(CultureInfo.InvariantCulture) + ").", ex);
            }
            try
            {
                return Read(new ReadOnlySpan<byte>(utf8, 0, length));
            }
            catch (JsonException ex)
            {
                throw new ProtocolException("MalformedJson", "The server sent a message that is not valid JSON: " + ex.Message, ex);
            }
            catch (InvalidOperationException ex)
            {
                throw new ProtocolException("MalformedJson", "The server sent a message that could not be read as JSON: " + ex.Message, ex);
            }
        }

        private static Envelope Read(ReadOnlySpan<byte> span)
        {
            var r = new Utf8JsonReader(span, Options);
            if (!r.Read()) throw new ProtocolException("Empty", "The server sent an empty message.");
            if (r.TokenType != JsonTokenType.StartObject)
                throw new ProtocolException("NotAnObject", "The server sent a JSON " + r.TokenType.ToString().ToLowerInvariant() + " where a message object was expected.");
            var env = new Envelope();
            var sawType = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("msg_type"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) env.Kind = Classify(ref r, out env.UnknownType);
                    else WrongType(ref r, ref env, "msg_type");
                    sawType = true;
                }
                else if (r.ValueTextEquals("id"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) { env.Id = Token(ref r); env.IdHash = Hash(r.ValueSpan); }
                    else if (r.TokenType == JsonTokenType.Null) { env.Id = default; env.IdHash = 0; }
                    else WrongType(ref r, ref env, "id");
                }
                else if (r.ValueTextEquals("seq_id"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var seq)) env.SeqId = seq;
                    else if (r.TokenType == JsonTokenType.Null) env.SeqId = null;
                    else WrongType(ref r, ref env, "seq_id");
                }
                else if (r.ValueTextEquals("timestamp"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String) env.Timestamp = Token(ref r);
                    else if (r.TokenType == JsonTokenType.Null) env.Timestamp = default;
                    else WrongType(ref r, ref env, "timestamp");
                }
                else if (r.ValueTextEquals("request_id"u8))
                {
                    r.Read();
                    // Echoed by the server; tolerated when odd (a non-string simply correlates with nothing).
                    env.RequestId = r.TokenType == JsonTokenType.String ? Truncate(r.GetString(), 200) : null;
                    if (r.TokenType == JsonTokenType.StartObject || r.TokenType == JsonTokenType.StartArray) r.Skip();
                }
                else if (r.ValueTextEquals("v"u8))
                {
                    r.Read();
                    // The overview's table types v as a string, every example shows a number (docs/protocol.md §13.2): both.
                    if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var v)) env.Version = v;
                    else if (r.TokenType == JsonTokenType.String && int.TryParse(r.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var vs)) env.Version = vs;
                    else if (r.TokenType == JsonTokenType.StartObject || r.TokenType == JsonTokenType.StartArray) r.Skip();
                }
                else if (r.ValueTextEquals("payload"u8))
                {
                    r.Read();
                    ReadPayload(ref r, ref env);
                }
                else if (IsStrategyIdName(ref r))
                {
                    r.Read();
                    if (ReadStrategyId(ref r) is long id) { env.StrategyId = id; env.StrategySource = StrategySource.Envelope; }
                }
                else if (r.ValueTextEquals("channel"u8) || r.ValueTextEquals("stream"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String && env.StrategySource != StrategySource.Envelope &&
                        StreamKey.TryParse(r.GetString(), out var key) && key.StrategyId.HasValue)
                    {
                        env.StrategyId = key.StrategyId; env.StrategySource = StrategySource.StreamName;
                    }
                    else if (r.TokenType == JsonTokenType.StartObject || r.TokenType == JsonTokenType.StartArray) r.Skip();
                }
                else
                {
                    r.Skip();
                }
            }
            if (!sawType) throw new ProtocolException("MissingMsgType", "The server sent a message without a string 'msg_type'.");
            if (r.Read()) throw new ProtocolException("MalformedJson", "The server sent more than one JSON value in a message.");
            return env;
        }

        private static void ReadPayload(ref Utf8JsonReader r, ref Envelope env)
        {
            env.PayloadStart = (int)r.TokenStartIndex;
            env.PayloadIsObject = r.TokenType == JsonTokenType.StartObject;
            if (r.TokenType == JsonTokenType.Null) { env.PayloadStart = 0; env.PayloadLength = 0; return; }
            if (!env.PayloadIsObject)
            {
                if (r.TokenType == JsonTokenType.StartArray) r.Skip();
                env.PayloadLength = (int)r.BytesConsumed - env.PayloadStart;
                return;
            }
            // One shallow walk of the payload's own fields: the strategy, wherever the server named it; the rest skipped.
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (IsStrategyIdName(ref r))
                {
                    r.Read();
                    if (ReadStrategyId(ref r) is long id && env.StrategySource != StrategySource.Envelope && env.StrategySource != StrategySource.StreamName)
                    {
                        env.StrategyId = id; env.StrategySource = StrategySource.Payload;
                    }
                }
                else r.Skip();
            }
            env.PayloadLength = (int)r.BytesConsumed - env.PayloadStart;
        }

        private static long? ReadStrategyId(ref Utf8JsonReader r)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.Number:
                    return r.TryGetInt64(out var n) && n > 0 ? n : (long?)null;
                case JsonTokenType.String:
                    return long.TryParse(r.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : (long?)null;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    r.Skip();
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>strategy_id, StrategyId, strategyId, STRATEGYID …: letters compared without case, underscores ignored.</summary>
        private static bool IsStrategyIdName(ref Utf8JsonReader r)
        {
            ReadOnlySpan<byte> name = r.ValueSpan;
            if (r.ValueIsEscaped)
            {
                var text = r.GetString() ?? "";
                return string.Equals(text.Replace("_", ""), "strategyid", StringComparison.OrdinalIgnoreCase);
            }
            if (name.Length < 10 || name.Length > 12) return false;
            const string target = "strategyid";
            var t = 0;
            foreach (var b in name)
            {
                if (b == (byte)'_') continue;
                if (t >= target.Length) return false;
                var c = b >= (byte)'A' && b <= (byte)'Z' ? (byte)(b + 32) : b;
                if (c != (byte)target[t++]) return false;
            }
            return t == target.Length;
        }

        private static MessageKind Classify(ref Utf8JsonReader r, out string? unknownType)
        {
            unknownType = null;
            // UTF-8 literals: comparing with a string would transcode it on every call (the hot path of every message).
            if (r.ValueTextEquals("strategy.signal"u8)) return MessageKind.Signal;
            if (r.ValueTextEquals("heartbeat"u8)) return MessageKind.Heartbeat;
            if (r.ValueTextEquals("strategy.positions"u8)) return MessageKind.Positions;
            if (r.ValueTextEquals("subscription.ack"u8)) return MessageKind.Ack;
            if (r.ValueTextEquals("error"u8)) return MessageKind.Error;
            if (r.ValueTextEquals("gap"u8)) return MessageKind.Gap;
            if (r.ValueTextEquals("connection.connected"u8)) return MessageKind.Connected;
            if (r.ValueTextEquals("connection.disconnected"u8)) return MessageKind.Disconnected;
            unknownType = Truncate(r.GetString(), 64);
            return MessageKind.Unknown;
        }

        private static TokenRef Token(ref Utf8JsonReader r) => new TokenRef((int)r.TokenStartIndex, (int)r.BytesConsumed - (int)r.TokenStartIndex);

        /// <summary>FNV-1a over the id's bytes: the duplicate window keeps 8 bytes per message, not a string.</summary>
        internal static ulong Hash(ReadOnlySpan<byte> bytes)
        {
            var h = 14695981039346656037UL;
            foreach (var b in bytes) { h ^= b; h *= 1099511628211UL; }
            return h == 0 ? 1 : h;
        }

        /// <summary>Notes an envelope field of the wrong JSON type (the first one names the problem) and skips its value.</summary>
        private static void WrongType(ref Utf8JsonReader r, ref Envelope env, string field)
        {
            env.Malformed ??= "its '" + field + "' is a JSON " + r.TokenType.ToString().ToLowerInvariant() + " (expected " + Expected(field) + ")";
            if (r.TokenType == JsonTokenType.StartObject || r.TokenType == JsonTokenType.StartArray) r.Skip();
        }

        private static string Expected(string field) => field == "seq_id" ? "an integer or null" : field == "msg_type" ? "a string" : "a string or null";

        internal static string? Truncate(string? s, int max) => s == null ? null : s.Length <= max ? s : s.Substring(0, max) + "…";
    }
}
