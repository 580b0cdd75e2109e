using System;
using System.Globalization;
using C2WebSocket.Protocol;

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

        private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

        /// <summary>A seq_id, or "(none)".</summary>
        public static string Seq(long? seq) => seq?.ToString(CultureInfo.InvariantCulture) ?? "(none)";

        /// <summary>A seq_id, or nothing at all.</summary>
        private static string SeqOrEmpty(long? seq) => seq?.ToString(CultureInfo.InvariantCulture) ?? "";

        public static string DuplicateDropped(string label, StreamKey key, long? seq) =>
            label + ": " + key + " seq_id " + Seq(seq) + " dropped: a duplicate of a message already delivered.";

        public static string Queued(string label, StreamKey key, long? seq, int bytes) =>
            label + ": " + key + " seq_id " + Seq(seq) + " queued (" + N(bytes) + " bytes).";

        public static string ReplayStartedElsewhere(long? seq) => "its replay started with another message at seq_id " + Seq(seq);

        public static string WitnessTimedOut(TimeSpan timeout) =>
            "nothing came back within " + TextFormat.Seconds(timeout) + " s";

        public static string Unconfirmed(string label, StreamKey key, long witness, string what) =>
            label + ": " + key + " was resumed with resume_from " + N(witness - 1) + " to fetch seq_id " + N(witness) +
            ", the last one delivered, again, but " + what + ": the server's sequence for it restarted below that point (or no longer holds it). " +
            "The session re-based the stream and is fetching the new sequence from its start, keeping the signals newer than the last one delivered.";

        public static string WentBack(string label, StreamKey key, long? expected, long seq, bool explicitPoint, bool backfill)
        {
            var from = expected?.ToString(CultureInfo.InvariantCulture) ?? "?";
            var cause = explicitPoint
                ? "the resume point " + from + " (from -ResumeFrom or a checkpoint) is beyond the server's position, or the server's sequence restarted"
                : "the server's sequence for it restarted";
            var action = backfill
                ? "The session re-based the stream and is fetching the new sequence from its start, keeping the signals newer than the last one delivered."
                : "The session re-based the stream and delivers from seq_id " + N(seq) + " on.";
            return label + ": " + key + " went back from seq_id " + from + " to " + N(seq) + " with a message id not seen before: " + cause + ". " + action;
        }

        public static string SeqOneWasUnattributed(string label, StreamKey key) =>
            label + ": " + key + " was replayed from its start; its seq_id 1 is the one delivered earlier with an empty StrategyId, while its connection was shared.";

        public static string SeqOneNotReplayable(StreamKey key, long? firstSeq, bool restarted) =>
            (restarted
                ? "The server's sequence for " + key + " restarted, so the new sequence was replayed from its start (resume_from 1); " +
                  "its first signal here is seq_id " + SeqOrEmpty(firstSeq) + ", which is newer than the last one delivered before the restart."
                : "The stream " + key + " had no resume point, so it was replayed from its start (resume_from 1) and its first signal here is seq_id " +
                  SeqOrEmpty(firstSeq) + ", which is newer than the moment the stream was watched.") +
            " A signal with seq_id 1 cannot be replayed by the protocol (resume_from 0 means live only); " +
            "if the strategy published one in that window it is missing: check it with the C2 REST API.";

        public static string RetentionHole(StreamKey key, long? asked, long seq, long? after, long? count) =>
            "The replay of " + key + " asked for with resume_from " + Seq(asked) + " began at seq_id " + N(seq) +
            (after.HasValue ? ", not " + N(after.Value + 1) : "") + ": any signal between them" +
            (count.HasValue ? " (" + N(count.Value) + " if the stream's seq_ids have no holes)" : "") +
            " is no longer held by the server and was not delivered." + C2DeliveryGap.RestAdvice;

        public static string InboxFullSignals(string label, StreamKey key, int capacity, long? lastSeq) =>
            label + ": the inbox of " + key + " is full (" + N(capacity) + " messages): its signals after seq_id " + Seq(lastSeq) +
            " are fetched again from the server once Receive-C2Signal has made room. " +
            "Nothing is lost while the server can replay them; receive faster or raise -InboxCapacity.";

        public static string InboxFullDropped(StreamKey key, int capacity) =>
            "The inbox of " + key + " was full (" + N(capacity) + " messages): its " + key.Channel +
            " messages were dropped and cannot be replayed (C2 replays strategy.signal only). " +
            "Refresh positions from the REST API; receive faster or raise -InboxCapacity.";

        public static string GapIgnored(string label, StreamKey? key, string? serverText) =>
            label + ": a gap message for " + (key?.ToString() ?? "an unknown stream") + " that this session does not follow was ignored" +
            (serverText != null ? " (the server said: " + serverText + ")" : "") + ".";

        public static string NextPage(string label, StreamKey key, long? lastSeq) =>
            label + ": replay page of " + key + " ended at seq_id " + SeqOrEmpty(lastSeq) + "; fetching the next page.";

        public static string GapBeforeReplay(StreamKey key, string? from) =>
            "The server could not replay " + key + " from resume_from " + (from ?? "?") +
            ": it sent a gap before any new signal of the replay, so these signals cannot be had over the socket." + C2DeliveryGap.RestAdvice;

        public static string RoomAgain(string label, StreamKey key, long? lastSeq) =>
            label + ": the inbox of " + key + " has room again; fetching its signals after seq_id " + SeqOrEmpty(lastSeq) + " with resume_from.";

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
