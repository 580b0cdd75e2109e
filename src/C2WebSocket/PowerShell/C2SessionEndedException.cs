using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>The exception of a C2SessionEnded ErrorRecord: the session, how and why it ended, and the failure that ended
    /// it (when there was one) as the inner exception.</summary>
    public sealed class C2SessionEndedException : Exception
    {
        internal C2SessionEndedException(string message, C2Session session, Exception? cause) : base(message, cause)
        {
            Session = session; State = session.State; Reason = session.EndReason; EndedAt = session.EndedAt;
        }
        public C2Session Session { get; }
        public C2SessionState State { get; }
        public string? Reason { get; }
        public DateTimeOffset? EndedAt { get; }
    }
}
