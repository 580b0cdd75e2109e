using System;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>The message kinds of docs/protocol.md §3.2; anything else is <see cref="Unknown"/> (ignored, counted).</summary>
    internal enum MessageKind
    {
        Unknown,
        Connected,
        Disconnected,
        Heartbeat,
        Ack,
        Error,
        Signal,
        Positions,
        Gap,
    }
}
