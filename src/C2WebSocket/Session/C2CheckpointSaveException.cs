using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A save that would break the checkpoint's promise (a signal of another session, a seq_id not yet
    /// delivered, no checkpoint at all). Nothing is changed when it is thrown.</summary>
    public sealed class C2CheckpointSaveException : InvalidOperationException
    {
        internal C2CheckpointSaveException(string errorId, string message, object? target) : base(message) { ErrorId = errorId; Target = target; }
        public string ErrorId { get; }
        public object? Target { get; }
    }
}
