namespace C2WebSocket
{
    /// <summary>What an <see cref="Input"/> of the session loop is.</summary>
    internal enum InputKind
    {
        /// <summary>One whole server message (the transport reassembled its frames).</summary>
        Message,
        /// <summary>Whole server messages the socket had already buffered, in the order received (a burst: one input, its
        /// <see cref="Input.Arg"/> a <c>ReceivedMessage[]</c>; see <see cref="ReceivePump"/>).</summary>
        Messages,
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
