using System;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// A server message decoded in one pass of <see cref="Utf8JsonReader"/> over its bytes. Only what the session
    /// needs on the receive path is materialised (kind, seq_id, request_id, version, strategy, an id hash); the
    /// id, timestamp and payload stay as positions in the bytes and are decoded when someone asks.
    /// Envelope fields of the wrong JSON type make the message malformed (docs/protocol.md §2; issue: a message whose
    /// seq_id, id, timestamp or msg_type cannot be trusted is never delivered).
    /// </summary>
    internal struct Envelope
    {
        public MessageKind Kind;
        public string? UnknownType;
        public TokenRef Id;
        public ulong IdHash;
        public long? SeqId;
        public string? RequestId;
        public TokenRef Timestamp;
        public int? Version;
        public int PayloadStart;
        public int PayloadLength;
        public bool PayloadIsObject;
        public long? StrategyId;
        public StrategySource StrategySource;
        /// <summary>Why the message cannot be trusted (an envelope field of the wrong JSON type), or null.</summary>
        public string? Malformed;

        public bool HasId => !Id.IsEmpty;
        public bool HasPayload => PayloadLength > 0;

        public DateTimeOffset? ParseTimestamp(byte[] utf8) => Timestamps.TryParse(Timestamp.Decode(utf8), out var t) ? t : (DateTimeOffset?)null;

        /// <summary>The payload parsed as a document (rare messages: acks, errors, gaps). Null when there is none.</summary>
        public JsonDocument? PayloadDocument(byte[] utf8) =>
            PayloadLength == 0 ? null : JsonDocument.Parse(new ReadOnlyMemory<byte>(utf8, PayloadStart, PayloadLength));
    }
}
