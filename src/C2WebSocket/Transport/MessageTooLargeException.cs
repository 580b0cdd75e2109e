using System;

namespace C2WebSocket.Transport
{
    /// <summary>A message past the size cap (-MaxMessageSizeKB): refused unread, and its connection recycled.</summary>
    internal sealed class MessageTooLargeException : Exception
    {
        public int Limit { get; }
        public MessageTooLargeException(int limit)
            : base(TransportTexts.TooLarge(limit))
        { Limit = limit; }
    }
}
