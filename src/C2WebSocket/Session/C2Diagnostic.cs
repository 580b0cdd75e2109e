using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>Something the background recorded for the user; cmdlets write it on the pipeline thread.</summary>
    public sealed class C2Diagnostic
    {
        internal C2Diagnostic(C2DiagnosticLevel level, C2DiagnosticCode code, string message, object? target, Exception? exception, DateTimeOffset at)
        {
            Level = level; Code = code; Message = message; Target = target; Exception = exception; At = at;
        }
        public C2DiagnosticLevel Level { get; }
        public C2DiagnosticCode Code { get; }
        public string Message { get; }
        /// <summary>What it is about: a <see cref="C2DeliveryGap"/>, a server error, a subscription, the session.</summary>
        public object? Target { get; }
        public Exception? Exception { get; }
        public DateTimeOffset At { get; }
        public override string ToString() => Level + " " + Code + ": " + Message;
    }
}
