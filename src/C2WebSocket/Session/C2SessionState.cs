namespace C2WebSocket
{
    /// <summary>The state of a session as users see it (Get-C2Session, the StateChanged event).</summary>
    public enum C2SessionState
    {
        Connecting,
        Connected,
        Reconnecting,
        /// <summary>Closed by the user, or dropped with reconnect turned off.</summary>
        Disconnected,
        /// <summary>Gave up: the key was refused, or the reconnect attempts ran out.</summary>
        Failed,
    }
}
