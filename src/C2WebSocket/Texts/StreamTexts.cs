using System.Globalization;

namespace C2WebSocket
{
    /// <summary>
    /// The words of a stream's delivery: ranges that could not be delivered and why, duplicates, sequences that went back,
    /// replays and pages. The session decides and passes the facts (stream, seq_ids, times, counts); the sentences are
    /// built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class StreamTexts
    {
        /// <summary>How a message shows itself: "strategy.signal strategy 42 seq 7".</summary>
        public static string Message(string channel, long? strategyId, long? seqId) =>
            string.Format(CultureInfo.InvariantCulture, "{0} strategy {1} seq {2}", channel,
                strategyId?.ToString(CultureInfo.InvariantCulture) ?? "?", seqId?.ToString(CultureInfo.InvariantCulture) ?? "-");

        /// <summary>A range of seq_ids: "seq_id &gt; 100 and &lt; 301", open above while its end is not known.</summary>
        public static string Range(long? afterSeqId, long? beforeSeqId)
        {
            var lo = afterSeqId.HasValue ? "seq_id > " + afterSeqId.Value.ToString(CultureInfo.InvariantCulture) : "seq_id from the start";
            var hi = beforeSeqId.HasValue
                ? " and < " + beforeSeqId.Value.ToString(CultureInfo.InvariantCulture)
                : " (upper bound not yet known: up to the next delivered message)";
            return lo + hi;
        }
    }
}
