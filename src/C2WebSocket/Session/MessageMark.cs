using System;

namespace C2WebSocket
{
    /// <summary>One message as a resume recognises it again: its seq_id, and its id hash or server time (either may be unknown).</summary>
    internal readonly struct MessageMark
    {
        public MessageMark(long seq, ulong idHash, DateTimeOffset? at) { Seq = seq; IdHash = idHash; At = at; }
        public long Seq { get; }
        public ulong IdHash { get; }
        public DateTimeOffset? At { get; }
        /// <summary>Anything to recognise it by (a bare -ResumeFrom has neither).</summary>
        public bool Recognisable => IdHash != 0 || At.HasValue;

        /// <summary>The same message again: same seq_id, and the same id, or the same time to the millisecond (checkpoints
        /// keep milliseconds).</summary>
        public bool Is(long seq, ulong idHash, DateTimeOffset? at) =>
            seq == Seq && (idHash != 0 && idHash == IdHash ||
                           at.HasValue && At.HasValue && at.Value.UtcTicks / TimeSpan.TicksPerMillisecond == At.Value.UtcTicks / TimeSpan.TicksPerMillisecond);
    }
}
