using System;
using System.Globalization;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// A decoded server envelope. Every field but <c>msg_type</c> is optional (reference §2); unknown
    /// properties are ignored. The payload stays a <see cref="JsonElement"/> cloned out of the document so
    /// the caller decides how to project it: the module never hard-codes an undocumented schema.
    /// </summary>
    internal sealed class ServerMessage : IDisposable
    {
        private JsonDocument? _document;

        /// <summary>Returns the parsed document's pooled memory. <see cref="Payload"/> is unusable afterwards.</summary>
        public void Dispose() { _document?.Dispose(); _document = null; }

        public string MsgType { get; private set; } = "";
        public string? Id { get; private set; }
        public long? SeqId { get; private set; }
        public string? RequestId { get; private set; }
        public DateTimeOffset? Timestamp { get; private set; }
        public int? Version { get; private set; }
        public JsonElement? Payload { get; private set; }
        /// <summary>The UTF-8 bytes of the whole message, exactly as received.</summary>
        public byte[] Utf8 { get; private set; } = Array.Empty<byte>();
        /// <summary>Envelope fields that had the wrong JSON type and were ignored (tolerated, but counted).</summary>
        public int TypeMismatches { get; private set; }

        private static readonly JsonDocumentOptions DocOptions = new JsonDocumentOptions { MaxDepth = 64 };
        private static readonly System.Text.UTF8Encoding StrictUtf8 = new System.Text.UTF8Encoding(false, true);

        /// <summary>Decodes one message. Throws <see cref="ProtocolException"/> for anything that is not a JSON object with a string msg_type.</summary>
        public static ServerMessage Decode(byte[] utf8, int length)
        {
            // The reader does not validate UTF-8 inside strings; GetString() would throw later, far from here.
            // Refuse the whole message up front so invalid text never reaches the session or the pipeline.
            try
            {
                StrictUtf8.GetCharCount(utf8, 0, length);
            }
            catch (System.Text.DecoderFallbackException ex)
            {
                throw new ProtocolException("InvalidUtf8", "The server sent a text message that is not valid UTF-8 (invalid byte sequence at offset " + ex.Index.ToString(CultureInfo.InvariantCulture) + ").", ex);
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(utf8, 0, length), DocOptions);
            }
            catch (JsonException ex)
            {
                throw new ProtocolException("MalformedJson", "The server sent a message that is not valid JSON: " + ex.Message, ex);
            }
            catch (ArgumentException ex)
            {
                // Invalid UTF-8 surfaces as ArgumentException from the reader on some framework versions.
                throw new ProtocolException("MalformedJson", "The server sent a message that is not valid UTF-8 JSON: " + ex.Message, ex);
            }

            try
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new ProtocolException("NotAnObject", "The server sent a JSON " + root.ValueKind.ToString().ToLowerInvariant() + " where a message object was expected.");

                var msg = new ServerMessage();
                if (!root.TryGetProperty("msg_type", out var type) || type.ValueKind != JsonValueKind.String)
                    throw new ProtocolException("MissingMsgType", "The server sent a message without a string 'msg_type'.");
                msg.MsgType = type.GetString() ?? "";

                foreach (var p in root.EnumerateObject())
                {
                    switch (p.Name)
                    {
                        case "id":
                            if (p.Value.ValueKind == JsonValueKind.String) msg.Id = p.Value.GetString();
                            else if (p.Value.ValueKind != JsonValueKind.Null) msg.TypeMismatches++;
                            break;
                        case "seq_id":
                            msg.SeqId = ReadSeq(p.Value, msg);
                            break;
                        case "request_id":
                            if (p.Value.ValueKind == JsonValueKind.String) msg.RequestId = p.Value.GetString();
                            else if (p.Value.ValueKind != JsonValueKind.Null) msg.TypeMismatches++;
                            break;
                        case "timestamp":
                            if (p.Value.ValueKind == JsonValueKind.String && TryParseTimestamp(p.Value.GetString(), out var ts)) msg.Timestamp = ts;
                            else if (p.Value.ValueKind != JsonValueKind.Null) msg.TypeMismatches++;
                            break;
                        case "v":
                            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var v)) msg.Version = v;
                            else if (p.Value.ValueKind != JsonValueKind.Null) msg.TypeMismatches++;
                            break;
                        case "payload":
                            if (p.Value.ValueKind != JsonValueKind.Null) msg.Payload = p.Value; // valid until Dispose: no clone
                            break;
                    }
                }

                var copy = new byte[length];
                Buffer.BlockCopy(utf8, 0, copy, 0, length);
                msg.Utf8 = copy;
                // The document references the caller's buffer: the caller disposes the message before reusing it.
                msg._document = doc;
                return msg;
            }
            catch
            {
                doc.Dispose();
                throw;
            }
        }

        private static long? ReadSeq(JsonElement value, ServerMessage msg)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Number:
                    if (value.TryGetInt64(out var n)) return n;
                    msg.TypeMismatches++;
                    return null;
                case JsonValueKind.Null:
                    return null;
                default:
                    // A seq_id of the wrong type is not trusted for ordering; the message is handled as unsequenced.
                    msg.TypeMismatches++;
                    return null;
            }
        }

        internal static bool TryParseTimestamp(string? text, out DateTimeOffset value)
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
        }


        /// <summary>Reads a string property of the payload, if the payload is an object that has one.</summary>
        public string? PayloadString(string name)
        {
            if (Payload is JsonElement p && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v))
            {
                if (v.ValueKind == JsonValueKind.String) return v.GetString();
                if (v.ValueKind == JsonValueKind.Number) return v.GetRawText();
            }
            return null;
        }

        /// <summary>Reads a positive integer from the payload, accepting a JSON number or a numeric string.</summary>
        public long? PayloadInt64(string name)
        {
            if (Payload is JsonElement p && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v))
            {
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
                if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return s;
            }
            return null;
        }
    }

    /// <summary>A server message the client could not decode. The session counts it, reports it and keeps going.</summary>
    public sealed class ProtocolException : Exception
    {
        public string Reason { get; }
        public ProtocolException(string reason, string message, Exception? inner = null) : base(message, inner) { Reason = reason; }
    }
}
