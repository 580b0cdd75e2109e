using System;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>Opens connections. The session knows sockets only through this seam (tests use an in-memory one).</summary>
    internal interface IC2Transport
    {
        /// <summary>DNS, TCP, TLS and the authenticated upgrade. Throws <see cref="C2ConnectException"/>.</summary>
        Task<IC2Connection> ConnectAsync(ConnectSettings settings, CancellationToken cancel);
    }
}
