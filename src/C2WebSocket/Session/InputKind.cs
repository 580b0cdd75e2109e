namespace C2WebSocket
{
    /// <summary>What an <see cref="Input"/> of the session loop is.</summary>
    internal enum InputKind
    {
        /// <summary>One whole server message (the transport reassembled its frames).</summary>
        Message,
        Ended,
        ConnectDone,
        ReconnectDue,
        HandshakeDeadline,
        Watchdog,
        RequestTimeout,
        WaiterTimeout,
        Open,
        Subscribe,
        Unsubscribe,
        Close,
        /// <summary>The sockets of a close closed (or its timeout passed): finish it.</summary>
        CloseDone,
        Room,
        WitnessDue,
        /// <summary>A gap held for its upper bound waited long enough: report it open.</summary>
        GapBoundDue,
    }
}
