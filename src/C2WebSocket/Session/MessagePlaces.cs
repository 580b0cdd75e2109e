using System;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// One number per message: bits 0-31 its receive time (ticks after <see cref="MessageStream.BaseTicks"/>), bits 32-46
    /// where its timestamp string starts, bits 47-61 where its payload object starts (0: absent; a message's first
    /// byte is its opening brace), bit 62 whether it had a seq_id, bit 63 set when the message is 32 KB or larger and
    /// the places are found by reading it again when asked. The id is read again when asked (rarely).
    /// </summary>
    internal static class MessagePlaces
    {
        public const long MaxDelta = uint.MaxValue;
        private const int PlaceBits = 15;
        private const long PlaceMask = (1L << PlaceBits) - 1;
        private const long SeqBit = 1L << 62;
        private const long UnknownBit = long.MinValue;

        public static long Pack(in Envelope env, int length, long delta)
        {
            var packed = (long)(uint)delta | (env.SeqId.HasValue ? SeqBit : 0);
            if (length > PlaceMask) return packed | UnknownBit;
            long ts = env.Timestamp.IsEmpty ? 0 : env.Timestamp.Start;
            long ps = env.PayloadIsObject ? env.PayloadStart : 0;
            return packed | ts << 32 | ps << (32 + PlaceBits);
        }

        public static long PackUnknown(long delta) => (long)(uint)delta | UnknownBit;

        public static bool HasSeq(long packed) => (packed & SeqBit) != 0;

        public static long ReceivedDelta(long packed) => packed & 0xFFFFFFFFL;

        public static int TimestampStart(long packed, byte[] utf8) =>
            (packed & UnknownBit) == 0 ? (int)(packed >> 32 & PlaceMask) : Read(utf8) is Envelope e && !e.Timestamp.IsEmpty ? e.Timestamp.Start : 0;

        public static string? Id(byte[] utf8) => Read(utf8) is Envelope e && !e.Id.IsEmpty ? DecodeString(utf8, e.Id.Start) : null;

        /// <summary>The payload object's start, and how far it may reach (to the end of the message: the decoder stops at its closing brace).</summary>
        public static void Payload(long packed, byte[] utf8, out int start, out int length)
        {
            if ((packed & UnknownBit) == 0) start = (int)(packed >> (32 + PlaceBits) & PlaceMask);
            else start = Read(utf8) is Envelope e && e.PayloadIsObject ? e.PayloadStart : 0;
            length = start == 0 ? 0 : utf8.Length - start;
        }

        /// <summary>The JSON string token that starts at <paramref name="start"/> (its quote), decoded; null when absent.</summary>
        public static string? DecodeString(byte[] utf8, int start)
        {
            if (start <= 0 || start >= utf8.Length) return null;
            try
            {
                var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(utf8, start, utf8.Length - start));
                return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
            {
                return null;
            }
        }

        private static Envelope? Read(byte[] utf8)
        {
            try { return EnvelopeReader.Decode(utf8, utf8.Length); }
            catch (ProtocolException) { return null; }
        }
    }
}
