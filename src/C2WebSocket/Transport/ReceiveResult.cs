using System.Net.WebSockets;

namespace C2WebSocket.Transport
{
    /// <summary>What one socket read returned (the fields of WebSocketReceiveResult the transport uses).</summary>
    internal readonly struct ReceiveResult
    {
        public ReceiveResult(int count, bool endOfMessage, WebSocketMessageType type) { Count = count; EndOfMessage = endOfMessage; Type = type; }
        public int Count { get; }
        public bool EndOfMessage { get; }
        public WebSocketMessageType Type { get; }
    }
}
