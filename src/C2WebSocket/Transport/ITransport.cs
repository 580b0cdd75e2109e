using System;
using System.Net;
using System.Net.WebSockets;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>What a connection attempt needs. Holds the key only as a SecureString.</summary>
    internal sealed class ConnectSettings
    {
        public Uri Uri { get; set; } = null!;
        public SecureString ApiKey { get; set; } = null!;
        public IWebProxy? Proxy { get; set; }
        public bool UseDefaultProxy { get; set; } = true;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
        public int MaxMessageBytes { get; set; } = 1024 * 1024;
    }

    /// <summary>Opens connections. The session knows sockets only through this seam (tests use an in-memory one).</summary>
    internal interface IC2Transport
    {
        /// <summary>DNS, TCP, TLS and the authenticated upgrade. Throws <see cref="C2ConnectException"/>.</summary>
        Task<IC2Connection> ConnectAsync(ConnectSettings settings, CancellationToken cancel);
    }

    /// <summary>One open WebSocket. One reader (the session's receive pump); sends are queued to one sender.</summary>
    internal interface IC2Connection : IDisposable
    {
        /// <summary>The next whole message, in an array of its exact length, or null when the server closed the
        /// connection. Throws <see cref="MessageTooLargeException"/> past the size cap, or the socket's failure.</summary>
        ValueTask<Frame?> ReceiveAsync(CancellationToken cancel);

        /// <summary>Queues a text message; never blocks. A failed send aborts the connection, which ends the receive.</summary>
        void Send(byte[] utf8);

        WebSocketCloseStatus? CloseStatus { get; }
        string? CloseDescription { get; }

        /// <summary>Normal closure (1000), bounded in time; falls back to abort.</summary>
        Task CloseAsync(TimeSpan timeout);

        void Abort();
    }

    internal readonly struct Frame
    {
        public Frame(byte[] data, bool binary) { Data = data; IsBinary = binary; }
        public byte[] Data { get; }
        public bool IsBinary { get; }
    }

    internal sealed class MessageTooLargeException : Exception
    {
        public int Limit { get; }
        public MessageTooLargeException(int limit)
            : base(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "The server sent a message larger than the {0:N0}-byte limit (-MaxMessageSizeKB). It was refused unread and the connection is being recycled.", limit))
        { Limit = limit; }
    }
}
