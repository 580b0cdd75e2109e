using System;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>What is decoded from a message after it left the inbox, made on first use (never for a queued message).</summary>
    internal sealed class MessageDecoded
    {
        public MessageDecoded(byte[] utf8, int payloadStart, int payloadLength) { Utf8 = utf8; PayloadStart = payloadStart; PayloadLength = payloadLength; }
        public byte[] Utf8 { get; }
        /// <summary>-1 until the payload's place is looked up.</summary>
        public int PayloadStart;
        public int PayloadLength;
        public PayloadFields? Fields;
        public string? IdText;
        public bool IdRead;
        public DateTimeOffset? Time;
        public bool TimeRead;
        public object?[]? Projections;
        public string? Source;
        public C2DeliveryGap? FilledGap;
    }
}
