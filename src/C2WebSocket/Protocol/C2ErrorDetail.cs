using System.Collections.Generic;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>One error item from a server <c>error</c> message (docs/protocol.md §9.3).</summary>
    public sealed class C2ErrorDetail
    {
        public string? Code { get; internal set; }
        public string? Field { get; internal set; }
        public string? Message { get; internal set; }
        public override string ToString() => C2ServerError.Describe(Code, Field, Message);
    }
}
