using System;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>A server message the client could not decode. The session counts it, reports it and keeps going.</summary>
    public sealed class ProtocolException : Exception
    {
        public string Reason { get; }
        public ProtocolException(string reason, string message, Exception? inner = null) : base(message, inner) { Reason = reason; }
    }
}
