using System;

namespace C2WebSocket
{
    /// <summary>What the StateChanged event carries.</summary>
    public sealed class C2SessionStateChangedEventArgs : EventArgs
    {
        internal C2SessionStateChangedEventArgs(C2Session session, C2SessionState previous, C2SessionState state, string reason, DateTimeOffset at)
        {
            Session = session; PreviousState = previous; State = state; Reason = reason; At = at;
        }
        public C2Session Session { get; }
        public C2SessionState PreviousState { get; }
        public C2SessionState State { get; }
        public string Reason { get; }
        public DateTimeOffset At { get; }
    }
}
