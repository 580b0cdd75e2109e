namespace C2WebSocket
{
    /// <summary>What a <c>gap</c> message means for a stream (<see cref="StreamTracker.OnGap"/>).</summary>
    internal enum GapVerdict
    {
        /// <summary>The page made progress: resubscribe from the last seq_id for the next page.</summary>
        NextPage,
        /// <summary>No progress, or not a replay of ours: report the range.</summary>
        Report,
        /// <summary>Already handled (repeated, or the stream is being fetched again anyway).</summary>
        Ignore,
    }
}
