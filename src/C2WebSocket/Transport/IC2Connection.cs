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

        /// <summary>True when a read that must wait for the network blocks the calling thread (PowerShell 7, see
        /// <see cref="BlockingSocketStream"/>) instead of completing later: the receive pump then has a thread of its own.</summary>
        bool ReadsBlock { get; }

        /// <summary>With <see cref="ReadsBlock"/>: <paramref name="callback"/> runs on the reading thread just before a
        /// read waits for the network, inside <see cref="ReceiveAsync"/>.</summary>
        void OnBeforeWait(Action callback);

        /// <summary>Queues a text message; never blocks. A failed send aborts the connection, which ends the receive.</summary>
        void Send(byte[] utf8);

        WebSocketCloseStatus? CloseStatus { get; }
        string? CloseDescription { get; }

        /// <summary>Normal closure (1000), bounded in time; falls back to abort.</summary>
        Task CloseAsync(TimeSpan timeout);

        void Abort();
    }
}
