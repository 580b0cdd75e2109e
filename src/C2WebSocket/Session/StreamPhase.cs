namespace C2WebSocket
{
    /// <summary>
    /// Where a stream is, for its <see cref="StreamTracker"/>: the one state that decides what a data message or a
    /// <c>gap</c> means. The transitions are the table in StreamTracker.cs's header and in Session/README.md.
    /// </summary>
    internal enum StreamPhase
    {
        /// <summary>Delivering live data (no replay of ours under way).</summary>
        Live,
        /// <summary>A subscribe is in flight: data waits for its ack (the replay after the ack brings it again).</summary>
        AwaitingAck,
        /// <summary>A replay asked for with resume_from was acknowledged and none of its messages came yet: the first one
        /// shows where the server's replay starts (at resume_from + 1, or above it: a retention hole).</summary>
        ReplayStarting,
        /// <summary>As <see cref="ReplayStarting"/>, for a verified resume: the first message must be the witness (the
        /// last one delivered, asked for again with resume_from one below it).</summary>
        Verifying,
        /// <summary>A replay of ours is under way (its first message came): a <c>gap</c> that made progress asks for the next page.</summary>
        Replaying,
        /// <summary>The stream's inbox lane was full: data is set aside until the reader makes room and it is fetched again.</summary>
        Suspended,
    }
}
