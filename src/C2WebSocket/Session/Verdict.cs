namespace C2WebSocket
{
    /// <summary>What to do with one data message of a stream.</summary>
    internal enum Verdict
    {
        /// <summary>Queue it for the pipeline (then <see cref="StreamTracker.Commit"/>).</summary>
        Deliver,
        /// <summary>The same message again (its id was seen, or it lies inside a replay the client asked for and already has): drop.</summary>
        Duplicate,
        /// <summary>Older than the moment the stream was first watched: not wanted, but it moves the position (then Commit).</summary>
        Skip,
        /// <summary>The stream is suspended (its inbox was full): the resubscribe with resume_from fetches it again.</summary>
        SetAside,
        /// <summary>A resubscribe is in flight (replay page, recovery, split): the replay after its ack brings it again.</summary>
        Refetch,
        /// <summary>seq_id went back with an unseen id: deliver it and re-base the stream (<see cref="StreamTracker.Rebase"/>).</summary>
        Anomaly,
        /// <summary>seq_id went back above 1: the messages of the new sequence before it may be missing; drop it and
        /// backfill the new sequence from its start (<see cref="StreamTracker.BeginBackfill"/>).</summary>
        AnomalyBackfill,
        /// <summary>A verified resume's replay started with another message at its witness's seq_id: the server's sequence
        /// restarted below the position. Drop it and backfill as for <see cref="AnomalyBackfill"/>.</summary>
        Unconfirmed,
        /// <summary>The first message of a replay the client asked for came above the point asked for (resume_from + 1,
        /// or the witness): the server no longer holds what lies between (<see cref="StreamTracker.HoleAfter"/> .. its
        /// seq_id). Report that range, then deliver it (and Commit).</summary>
        DeliverAfterHole,
    }
}
