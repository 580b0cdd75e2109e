using System;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>The place of a JSON string token (quotes included) in the message bytes; decoded only when asked.</summary>
    internal readonly struct TokenRef
    {
        public TokenRef(int start, int length) { Start = start; Length = length; }
        public int Start { get; }
        public int Length { get; }
        public bool IsEmpty => Length == 0;

        public string? Decode(byte[] utf8)
        {
            if (Length == 0) return null;
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(utf8, Start, Length));
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
    }
}
