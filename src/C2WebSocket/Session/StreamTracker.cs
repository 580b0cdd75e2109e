using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The sequencing rules of one stream (docs/protocol.md §8), with no I/O and no clock of its own: one
    /// <see cref="StreamPhase"/> and the position (last seq_id queued or skipped), duplicates (a bounded window of message
    /// ids), the resume plan and its witness, the watch time of a stream with no position yet, and the backfill of a
    /// restarted sequence. Owned by the session loop (<see cref="StreamDelivery"/> acts on its verdicts); unit-tested
    /// alone, one test per row below (tests/unit/Session/StreamTrackerTransitionTests.cs).
    ///
    /// Transition table (phase, event [condition] -> verdict -> next phase):
    /// <code>
    ///  1 any            OnSubscribeSent(r)                          -> AwaitingAck (witness planned when r = position - 1, §8.2)
    ///  2 AwaitingAck    message                                      -> Refetch       -> AwaitingAck (the replay brings it)
    ///  3 AwaitingAck    gap                                          -> Ignore        -> AwaitingAck
    ///  4 AwaitingAck    OnAck [no resume_from]                       -> Live (no position: Since = ack time, the first-watch filter)
    ///  5 AwaitingAck    OnAck [resume_from, no witness]              -> ReplayStarting
    ///  6 AwaitingAck    OnAck [witness planned]                      -> Verifying
    ///  7 any but Susp.  OnRequestAbandoned (lost, refused, timed out)-> Live
    ///  8 Verifying      message [the witness again]                  -> Duplicate     -> Replaying (position proven)
    ///  9 Verifying      message [witness seq_id, another id]         -> Unconfirmed   -> Replaying; the loop calls BeginBackfill
    /// 10 Verifying      message [above the witness]                  -> DeliverAfterHole (retention hole, §8.2) -> Replaying
    /// 11 Verifying      witness timer, connection shared             -> DropWitness   -> ReplayStarting
    /// 12 ReplayStarting message [seq_id = resume_from + 1]           -> Deliver       -> Replaying
    /// 13 ReplayStarting message [seq_id > resume_from + 1]           -> DeliverAfterHole (retention hole, §8.2) -> Replaying
    /// 14 ReplayStarting gap [before any message]                     -> Report (once) -> ReplayStarting (a server may page on)
    /// 15 Replaying      message [at/below position, above resume_from]-> Duplicate    -> Replaying (pages overlap)
    /// 16 Replaying      gap [the page made progress]                 -> NextPage      -> Live; the loop resubscribes (row 1)
    /// 17 Replaying      gap [no progress]                            -> Report        -> Live
    /// 18 Live           gap [no open range]                          -> Report        -> Live
    /// 19 Live/Replaying message [seq_id went back, time known, > 1]  -> AnomalyBackfill -> the loop calls BeginBackfill
    /// 20 Live/Replaying message [seq_id went back to 1, or no time]  -> Anomaly       -> Rebase: Live, new epoch
    /// 21 any            BeginBackfill(since)                         -> Live, new epoch, Since set, Restarted; then row 1 with resume_from 1
    /// 22 Live...        message [older than Since]                   -> Skip (moves the position, not delivered; first-watch filter)
    /// 23 Live...        message [its id already seen]                -> Duplicate
    /// 24 Live...        OnSubscribeSent(1) after BeginBackfill, first message commit [seq_id > 1] -> seq_id 1 reported unreplayable
    /// 25 any            Suspend (inbox lane full)                    -> Suspended
    /// 26 Suspended      message                                      -> SetAside      -> Suspended
    /// 27 Suspended      gap                                          -> Ignore        -> Suspended
    /// 28 Suspended      OnSubscribeSent (the reader made room)       -> AwaitingAck (row 1)
    /// 29 any            Rewind(r) (-ResumeFrom on a live stream)     -> position r, explicit, ids forgotten
    /// </code>
    /// A range handed to the history filler (REST gap fill) is not a phase: the loop reports the range
    /// (<see cref="C2DeliveryGap"/>) and History/ fills it on the reader's side; a phase for it would go beside Suspended.
    /// </summary>
    internal sealed class StreamTracker
    {
        /// <summary>Clock uncertainty allowed when a watch time comes from the local estimate of the server's clock
        /// rather than from a server timestamp (which needs none: the same clock stamps the signals).</summary>
        public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);
        public const int IdWindow = 2048;

        private readonly IdWindow _ids = new IdWindow(IdWindow);
        private bool _backfillFirstPending;

        public StreamTracker(StreamKey key) { Key = key; }

        public StreamKey Key { get; }
        /// <summary>The highest seq_id queued or skipped in the current sequence.</summary>
        public long? LastSeq { get; private set; }
        /// <summary>Bumped each time the stream is re-based, so a checkpoint can tell a new sequence from an old one.</summary>
        public long Epoch { get; private set; }
        /// <summary>Server time of the last message queued or skipped.</summary>
        public DateTimeOffset? LastTimestamp { get; private set; }
        /// <summary>While set, messages older than this (minus <see cref="Tolerance"/>) are skipped: the stream is watched since then.</summary>
        public DateTimeOffset? Since { get; private set; }
        /// <summary>The resume point came from outside this session (-ResumeFrom or a checkpoint), not from what it delivered.</summary>
        public bool ExplicitPoint { get; private set; }
        /// <summary>Where the stream is (the rows of the transition table in the file header and Session/README.md).</summary>
        public StreamPhase Phase { get; private set; }
        /// <summary>A subscribe is in flight; data waits for its ack (the replay after the ack brings it).</summary>
        public bool AwaitingAck => Phase == StreamPhase.AwaitingAck;
        /// <summary>The resume_from of the last subscribe sent.</summary>
        public long? RequestedFrom { get; private set; }
        /// <summary>A replay we asked for is under way (from its ack to its gap or the end of the stream's catch-up).</summary>
        public bool ReplayOpen => Phase == StreamPhase.ReplayStarting || Phase == StreamPhase.Verifying || Phase == StreamPhase.Replaying;
        /// <summary>The inbox was full: data is set aside until the reader makes room and the stream is fetched again.</summary>
        public bool Suspended => Phase == StreamPhase.Suspended;
        /// <summary>A replay we asked for was acknowledged and none of its messages has arrived yet: the next one shows
        /// where the server's replay starts.</summary>
        private bool ReplayStartPending => Phase == StreamPhase.ReplayStarting || Phase == StreamPhase.Verifying;
        public long SetAsideCount { get; private set; }
        /// <summary>The current sequence is a restarted one, fetched from its start (not a first watch).</summary>
        public bool Restarted { get; private set; }
        /// <summary>True while a backfill from the start has not yet delivered or skipped anything (seq_id 1 cannot be confirmed).</summary>
        public bool Unverified => _backfillFirstPending;
        /// <summary>The seq_id of the last message delivered, asked for again by a resume (resume_from one below it) to
        /// prove that the server's sequence still holds it: null once it came back, or when the resume has no witness.</summary>
        public long? WitnessSeq => _witness?.Seq;
        private MessageMark? _witness;
        /// <summary>A witness that failed to come back before a backfill started: if it arrives in the backfill after all
        /// (the server was only slow), it is the message already delivered and is dropped, not delivered again.</summary>
        private MessageMark? _staleWitness;
        /// <summary>The message that set <see cref="LastSeq"/>, as far as it is known (null after a bare -ResumeFrom).</summary>
        private MessageMark? _last;
        /// <summary>A reported range whose upper bound becomes known with the next queued message.</summary>
        public C2DeliveryGap? OpenGap { get; set; }
        /// <summary>After <see cref="Verdict.DeliverAfterHole"/>: the range not replayed lies above this seq_id.</summary>
        public long? HoleAfter { get; private set; }

        /// <summary>Starts from what a checkpoint or the user says: a seq_id (with its sequence epoch and time), or only a watch time.</summary>
        public void Start(long? seq, long epoch, DateTimeOffset? at, DateTimeOffset? watchingSince, bool explicitPoint)
        {
            LastSeq = seq > 0 ? seq : null;
            Epoch = epoch;
            LastTimestamp = at;
            _last = LastSeq is long last ? new MessageMark(last, 0, at) : (MessageMark?)null;
            Since = LastSeq.HasValue ? null : watchingSince;
            ExplicitPoint = explicitPoint && LastSeq.HasValue;
        }

        /// <summary>resume_from for the next subscribe: the position; else 1 (replay the whole stream, keep what is newer
        /// than the watch time); else none (live). strategy.positions is never replayed. With <paramref name="verify"/>
        /// (a resume after a reconnect or from a checkpoint), one below the position: the replay then starts with the last
        /// message delivered, which proves the server's sequence still holds it (<see cref="WitnessSeq"/>). Without that
        /// proof a sequence that restarted below the position would replay nothing, and its new signals up to the
        /// position would be lost without a trace. Needs the last message's time (to recognise it) and a position of 2
        /// or more (resume_from 0 means live only).</summary>
        public long? PlanResumeFrom(bool verify = false)
        {
            if (!Key.IsSignal || !Key.StrategyId.HasValue) return null;
            if (LastSeq is long last) return verify && CanVerify ? last - 1 : last;
            return Since.HasValue ? 1 : (long?)null;
        }

        private bool CanVerify => LastSeq >= 2 && _last is MessageMark m && m.Seq == LastSeq && m.Recognisable;

        public void OnSubscribeSent(long? resumeFrom)
        {
            Phase = StreamPhase.AwaitingAck;
            RequestedFrom = resumeFrom;
            _backfillFirstPending = resumeFrom == 1 && !LastSeq.HasValue && Since.HasValue;
            _witness = LastSeq is long last && resumeFrom == last - 1 && CanVerify ? _last : null;
        }

        /// <summary>No witness can be told apart (the connection's messages do not say whose they are): stop waiting for it.</summary>
        public void DropWitness()
        {
            _witness = null;
            if (Phase == StreamPhase.Verifying) Phase = StreamPhase.ReplayStarting;
        }

        /// <summary>The time of each message is needed to classify it (a watch time filters, or a witness is awaited).</summary>
        public bool NeedsTime => Since.HasValue || _witness.HasValue || _staleWitness.HasValue;

        /// <summary>The subscribe was acknowledged; <paramref name="watchStart"/> (the ack's server timestamp) starts the
        /// watch of a stream with no position: what the server stamps later is what this subscription is owed.</summary>
        public void OnAck(DateTimeOffset watchStart)
        {
            Phase = !RequestedFrom.HasValue ? StreamPhase.Live : _witness.HasValue ? StreamPhase.Verifying : StreamPhase.ReplayStarting;
            if (Key.IsSignal && !LastSeq.HasValue && !Since.HasValue) Since = watchStart;
        }

        /// <summary>The subscribe failed or its connection was lost: nothing is in flight any more.</summary>
        public void OnRequestAbandoned()
        {
            if (Phase != StreamPhase.Suspended) Phase = StreamPhase.Live;
        }

        /// <param name="knowsLastTime">The time of the last message is known (delivered in this session, or from a
        /// checkpoint): a sequence that went back can then be backfilled from its start, keeping what is newer.</param>
        public Verdict OnMessage(long? seq, ulong idHash, DateTimeOffset? timestamp, bool knowsLastTime = false)
        {
            if (Suspended) { SetAsideCount++; return Verdict.SetAside; }
            if (AwaitingAck) return Verdict.Refetch;
            // The first message of a replay we asked for shows where the server's replay starts (docs/protocol.md §8.2:
            // every signal with seq_id > resume_from). Above the point asked for, the server no longer holds what lies
            // between: a retention hole, reported with its bounds (inferred: seq_ids are assumed contiguous, §8.1).
            var firstOfReplay = ReplayStartPending && seq.HasValue;
            if (firstOfReplay) Phase = StreamPhase.Replaying;
            if (_witness is MessageMark w && seq is long ws)
            {
                // The first message of a verified resume: the last one delivered proves the position; another message at
                // its seq_id means the server's sequence restarted below it; a message above it, that the server no
                // longer holds the position (a retention hole, not a restart).
                _witness = null;
                if (w.Is(ws, idHash, timestamp)) return Verdict.Duplicate;
                if (ws == w.Seq) return Verdict.Unconfirmed;
                if (ws > w.Seq) return HoleBelow(ws, timestamp);
            }
            if (seq is long ss && _staleWitness is MessageMark stale && stale.Is(ss, idHash, timestamp)) return Verdict.Duplicate;
            if (idHash != 0 && _ids.Contains(idHash)) return Verdict.Duplicate;
            if (!(seq is long s)) return Verdict.Deliver;
            if (LastSeq is long last && s <= last)
            {
                if (ReplayOpen && RequestedFrom is long r && s > r) return Verdict.Duplicate;
                // Without the time of the last message (a bare -ResumeFrom) nothing tells the new sequence's wanted
                // signals from its history: deliver from here on.
                var canBackfill = s > 1 && Key.IsSignal && Key.StrategyId.HasValue && (knowsLastTime || LastTimestamp.HasValue);
                return canBackfill ? Verdict.AnomalyBackfill : Verdict.Anomaly;
            }
            if (firstOfReplay && RequestedFrom is long from && s > from + 1) return HoleBelow(s, timestamp);
            if (Since is DateTimeOffset since && timestamp is DateTimeOffset t && t < since) return Verdict.Skip;
            return Verdict.Deliver;
        }

        /// <summary>The replay began at <paramref name="seq"/>, above the point asked for. Not a loss when the message is
        /// older than the watch time (everything before it is older still), or when an open gap already covers it.</summary>
        private Verdict HoleBelow(long seq, DateTimeOffset? timestamp)
        {
            if (Since is DateTimeOffset since && timestamp is DateTimeOffset t && t < since) return Verdict.Skip;
            if (OpenGap != null) return Verdict.Deliver;
            HoleAfter = LastSeq ?? RequestedFrom;
            return Verdict.DeliverAfterHole;
        }

        /// <summary>Records a message that was queued (or skipped). Returns true when it shows that seq_id 1 (or lower) of a
        /// backfilled stream may be newer than the watch time and cannot be replayed (the caller reports it).</summary>
        public bool Commit(long? seq, ulong idHash, DateTimeOffset? timestamp, bool skipped)
        {
            var seqOneUnreplayable = false;
            if (_backfillFirstPending && seq.HasValue)
            {
                _backfillFirstPending = false;
                seqOneUnreplayable = !skipped && seq.Value > 1;
            }
            if (!skipped) Since = null; // from the first wanted message on, everything is delivered
            if (idHash != 0) _ids.Add(idHash);
            if (seq is long s)
            {
                if (ReplayStartPending) Phase = StreamPhase.Replaying;
                if (!LastSeq.HasValue || s > LastSeq.Value) { LastSeq = s; _last = new MessageMark(s, idHash, timestamp); ExplicitPoint = false; }
                if (!skipped && OpenGap != null) { OpenGap.BeforeSeqId = s; OpenGap.To = timestamp; OpenGap = null; }
            }
            if (timestamp.HasValue) LastTimestamp = timestamp;
            return seqOneUnreplayable;
        }

        /// <summary>seq_id went back (seq 1, or a stream that cannot be backfilled): a new sequence starts at this message.</summary>
        public void Rebase()
        {
            Epoch++;
            LastSeq = null;
            if (Phase != StreamPhase.Suspended && Phase != StreamPhase.AwaitingAck) Phase = StreamPhase.Live;
            ExplicitPoint = false;
            Since = null;
        }

        /// <summary>seq_id went back above 1, or a resume's witness did not come back: start a new sequence and fetch it
        /// from its start, keeping what is newer than <paramref name="since"/>.</summary>
        public void BeginBackfill(DateTimeOffset since)
        {
            if (_witness.HasValue) _staleWitness = _witness;
            _witness = null;
            Rebase();
            Since = since;
            Restarted = true;
        }

        /// <summary>The user asked for a replay from <paramref name="seq"/> (-ResumeFrom on an existing subscription).</summary>
        public void Rewind(long seq)
        {
            Epoch++;
            LastSeq = seq;
            _last = null;
            Since = null;
            ExplicitPoint = true;
            _ids.Clear();
        }

        /// <summary>The inbox refused a message: stop queueing until the stream is fetched again from <see cref="LastSeq"/>.</summary>
        public void Suspend()
        {
            Phase = StreamPhase.Suspended;
            SetAsideCount = 1;
        }

        public GapVerdict OnGap()
        {
            if (AwaitingAck) return GapVerdict.Ignore;
            if (Suspended) return GapVerdict.Ignore;
            if (!ReplayOpen) return OpenGap != null ? GapVerdict.Ignore : GapVerdict.Report;
            // A gap before any message of the replay: the server cannot replay from the point asked for. Report the range
            // now (its upper bound comes with the next message) and keep the replay open: a server may go on replaying
            // from the oldest signal it holds, and its limit's gap then asks for the next page.
            if (ReplayStartPending) return OpenGap != null ? GapVerdict.Ignore : GapVerdict.Report;
            Phase = StreamPhase.Live;
            if (LastSeq is long last && (!RequestedFrom.HasValue || last > RequestedFrom.Value)) return GapVerdict.NextPage;
            return OpenGap != null ? GapVerdict.Ignore : GapVerdict.Report;
        }
    }
}
