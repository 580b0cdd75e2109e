using System.Net.WebSockets;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>How one connection ended, for the reconnect decision.</summary>
    internal sealed class ConnectionEnd
    {
        public string Reason { get; set; } = "";
        public WebSocketCloseStatus? CloseStatus { get; set; }
        public string? CloseDescription { get; set; }
        public MessageTooLargeException? TooLarge { get; set; }
    }
}
