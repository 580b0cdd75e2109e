namespace C2WebSocket
{
    /// <summary>The steps of a connection slot's life (<see cref="Link"/>).</summary>
    internal enum LinkState
    {
        /// <summary>Created, not connecting yet.</summary>
        Idle,
        /// <summary>DNS, TCP, TLS and the upgrade are under way.</summary>
        Connecting,
        /// <summary>Upgraded; waiting for connection.connected.</summary>
        Handshake,
        Ready,
        /// <summary>Lost; a reconnect is scheduled.</summary>
        Backoff,
        Closed,
    }
}
