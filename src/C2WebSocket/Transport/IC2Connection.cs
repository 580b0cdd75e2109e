using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>One open WebSocket. One reader (the session's receive pump); sends are queued to one sender.</summary>
    internal interface IC2Connection : IDisposable
    {
        /// <summary>The next whole message, in an array of its exact length, or null when the server closed the
        /// connection. Throws <see cref="MessageTooLargeException"/> past the size cap, or the socket's failure.</summary>
        ValueTask<ReceivedMessage?> ReceiveAsync(CancellationToken cancel);

        /// <summary>Queues a text message; never blocks. A failed send aborts the connection, which ends the receive.</summary>
        void Send(byte[] utf8);

        WebSocketCloseStatus? CloseStatus { get; }
        string? CloseDescription { get; }

        /// <summary>Normal closure (1000), bounded in time; falls back to abort.</summary>
        Task CloseAsync(TimeSpan timeout);

        void Abort();
    }
}
