using System;

namespace C2WebSocket.Transport
{
    internal sealed class MessageTooLargeException : Exception
    {
        public int Limit { get; }
        public MessageTooLargeException(int limit)
            : base(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "The server sent a message larger than the {0:N0}-byte limit (-MaxMessageSizeKB). It was refused unread and the connection is being recycled.", limit))
        { Limit = limit; }
    }
}
