using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A server <c>error</c> in answer to one of this client's requests.</summary>
    public sealed class C2ServerErrorException : Exception
    {
        internal C2ServerErrorException(string context, C2ServerError error)
            : base(SessionTexts.ServerAnswered(context, error)) { Error = error; }
        public C2ServerError Error { get; }
    }
}
