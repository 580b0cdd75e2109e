using System;
using System.Collections.Generic;

namespace C2WebSocket
{
    /// <summary>
    /// A change of a session's state (Receive-C2Signal -IncludeStateChange writes them in order with the messages): when,
    /// which session, from which state to which, and why.
    /// </summary>
    public sealed class C2StateChange
    {
        internal C2StateChange(int sessionId, C2SessionState previous, C2SessionState state, string reason, DateTimeOffset time, long order)
        {
            SessionId = sessionId; PreviousState = previous; State = state; Reason = reason; Time = time; Order = order;
        }

        /// <summary>When the session changed state (local clock, UTC).</summary>
        public DateTimeOffset Time { get; }
        public int SessionId { get; }
        public C2SessionState PreviousState { get; }
        public C2SessionState State { get; }
        public string Reason { get; }

        /// <summary>Its place among the inbox's items (the inbox's order counter when it was recorded).</summary>
        internal long Order { get; }

        public override string ToString() =>
            SessionTexts.StateChange(SessionId, PreviousState, State, Reason);
    }
}
