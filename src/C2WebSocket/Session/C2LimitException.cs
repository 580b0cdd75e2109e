using System;

namespace C2WebSocket
{
    /// <summary>A documented protocol limit the client refused to exceed.</summary>
    public sealed class C2LimitException : Exception
    {
        public C2LimitException(string errorId, string message) : base(message) { ErrorId = errorId; }
        public string ErrorId { get; }
    }
}
