using System;
using System.Globalization;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// What a data message of a known stream means and where it goes: the stream's <see cref="StreamTracker"/> decides
    /// (deliver, duplicate, skip, set aside, refetch, re-base), this puts it into the <see cref="Inbox"/> with the loss
    /// reports it closes (a retention hole, seq_id 1, an overflow), handles a full lane, replay pages and gaps, the
    /// witness of a verified resume and the backfill of a restarted sequence (docs/protocol.md §8). Runs on the loop.
    /// </summary>
    internal sealed class StreamDelivery : SessionPart
    {
        private readonly RequestSender _requests;

        public StreamDelivery(SessionContext context, RequestSender requests) : base(context) { _requests = requests; }

        internal void DeliverTo(StreamEntry entry, in Envelope env, byte[] data)
        {
            var t = entry.Tracker;
            var ts = t.NeedsTime ? env.ParseTimestamp(data) : null;
            var verdict = t.OnMessage(env.SeqId, env.IdHash, ts, knowsLastTime: entry.LastDelivered != null);
            if (entry.Sub.Verifying && !t.WitnessSeq.HasValue) entry.Sub.Verifying = false; // the witness was judged
            switch (verdict)
            {
                case Verdict.Duplicate:
                    _counters.Inc(ref _counters.DuplicatesDropped);
                    if (FrameDebugSlot()) _diag.Debug(StreamTexts.DuplicateDropped(Label, entry.Key, env.SeqId));
                    return;
                case Verdict.SetAside:
                    return;
                case Verdict.Refetch:
                    _counters.Inc(ref _counters.Refetched);
                    return;
                case Verdict.Skip:
                    t.Commit(env.SeqId, env.IdHash, ts, skipped: true);
                    _inbox.AddMarker(entry.Key, t.Epoch, env.SeqId!.Value, ts);
                    _counters.Inc(ref _counters.SkippedBeforeWatch);
                    entry.Sub.SetPosition(t.LastSeq, t.Unverified);
                    return;
                case Verdict.Anomaly:
                    WarnAnomaly(entry, env.SeqId!.Value, backfill: false);
                    t.Rebase();
                    break;
                case Verdict.AnomalyBackfill:
                    WarnAnomaly(entry, env.SeqId!.Value, backfill: true);
                    StartBackfill(entry);
                    return;
                case Verdict.Unconfirmed:
                    WarnUnconfirmed(entry, StreamTexts.ReplayStartedElsewhere(env.SeqId));
                    StartBackfill(entry);
                    return;
            }
            // Room first (only the loop adds, so it cannot disappear before the add), then the bookkeeping the message
            // closes, then the message: a reader that takes it sees the ranges it ends with their upper bound.
            if (!_inbox.HasRoom(entry.Key))
            {
                OnInboxFull(entry, env);
                return;
            }
            var message = NewMessage(entry.Key.Channel, entry.Key.StrategyId, env, data, t.Epoch);
            if (verdict == Verdict.DeliverAfterHole) ReportRetentionHole(entry, t.HoleAfter, message); // before the message it ends
            var seqOne = t.Commit(env.SeqId, env.IdHash, ts, skipped: false);
            QueueWhatItEnds(entry, env.SeqId);
            if (seqOne) ReportSeqOne(entry, message);   // the loss before it is reported before it
            _inbox.Add(entry.Key, message); // after the ranges it closes: a reader that takes it sees their upper bound
            entry.LastDelivered = message;
            entry.Sub.SetPosition(t.LastSeq, t.Unverified);
            _counters.Inc(ref _counters.MessagesQueued);
            if (FrameDebugSlot()) _diag.Debug(StreamTexts.Queued(Label, entry.Key, env.SeqId, data.Length));
        }


        internal C2StreamMessage NewMessage(string channel, long? strategy, in Envelope env, byte[] data, long epoch) =>
            channel == Channels.Signal
                ? new C2Signal(_session.Id, strategy, env, data, Context.FrameReceivedAt(), epoch)
                : (C2StreamMessage)new C2PositionUpdate(_session.Id, strategy, env, data, Context.FrameReceivedAt(), epoch);

        /// <summary>Re-bases the stream and fetches its new sequence from the start, keeping what is newer than the last message delivered.</summary>
        private void StartBackfill(StreamEntry entry)
        {
            var t = entry.Tracker;
            // Server timestamps need no tolerance against each other; the local clock estimate does.
            var since = entry.LastDelivered?.Timestamp ?? t.LastTimestamp ?? entry.Sub.SubscribedAt ?? _clock.Now - StreamTracker.Tolerance;
            if (since > _clock.Now) since = _clock.Now - StreamTracker.Tolerance; // a timestamp from the future must not hide what comes next
            t.BeginBackfill(since);
            entry.LastDelivered = null;
            _requests.Resubscribe(entry, RequestPurpose.Backfill);
        }

        /// <summary>The witness of an acknowledged resume did not come back in time: the replay was empty.</summary>
        internal void OnWitnessDue(PendingRequest req)
        {
            var entry = _book.Find(req.Key);
            if (entry == null || !entry.IsLive || entry.Witness != req || entry.Tracker.AwaitingAck || !entry.Tracker.WitnessSeq.HasValue) return;
            entry.Sub.Verifying = false;
            if (entry.Link.IsAmbiguous(entry.Key.Channel))
            {
                // Shared with other strategies whose messages do not name them: its witness could not be recognised.
                entry.Tracker.DropWitness();
                return;
            }
            WarnUnconfirmed(entry, StreamTexts.WitnessTimedOut(_options.WitnessTimeout));
            StartBackfill(entry);
        }

        /// <summary>The witness of a verified resume (the stream's position, not moved since) did not come back.</summary>
        private void WarnUnconfirmed(StreamEntry entry, string what)
        {
            var witness = entry.Tracker.LastSeq ?? 0;
            ReportAnomaly(entry, StreamTexts.Unconfirmed(Label, entry.Key, witness, what));
        }

        /// <summary>Counts a sequence anomaly and says it: a warning the first time for a stream, verbose after that.</summary>
        private void ReportAnomaly(StreamEntry entry, string text)
        {
            _counters.Inc(ref _counters.SequenceAnomalies);
            var level = entry.AnomalyWarned ? C2DiagnosticLevel.Verbose : C2DiagnosticLevel.Warning;
            entry.AnomalyWarned = true;
            _diag.Add(level, C2DiagnosticCode.SequenceAnomaly, text, entry.Sub);
        }

        private void WarnAnomaly(StreamEntry entry, long seq, bool backfill)
        {
            ReportAnomaly(entry, StreamTexts.WentBack(Label, entry.Key, entry.Tracker.LastSeq, seq, entry.Tracker.ExplicitPoint, backfill));
        }

        private void ReportSeqOne(StreamEntry entry, C2StreamMessage first)
        {
            if (entry.SeqOneUnattributed)
            {
                _diag.Verbose(StreamTexts.SeqOneWasUnattributed(Label, entry.Key));
                return;
            }
            var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.NotReplayable, entry.Key.Channel, entry.Key.StrategyId, null,
                StreamTexts.SeqOneNotReplayable(entry.Key, first.SeqId, entry.Tracker.Restarted))
            { BeforeSeqId = 2, To = first.Timestamp };
            _inbox.AddNotice(entry.Key, gap);
        }

        /// <summary>A replay the client asked for began above the point asked for: the server no longer holds the signals in
        /// between. Whether there were any depends on seq_ids being contiguous, which the docs do not say (docs/protocol.md
        /// §8.1), so the report names the range and says "if any".</summary>
        private void ReportRetentionHole(StreamEntry entry, long? after, C2StreamMessage first)
        {
            var seq = first.SeqId!.Value;
            var asked = entry.Tracker.RequestedFrom;
            var count = after.HasValue ? seq - after.Value - 1 : (long?)null;
            var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.ReplayLimitExceeded, entry.Key.Channel, entry.Key.StrategyId, after,
                StreamTexts.RetentionHole(entry.Key, asked, seq, after, count))
            { BeforeSeqId = seq, From = entry.LastDelivered?.Timestamp ?? entry.Tracker.LastTimestamp, To = first.Timestamp };
            _inbox.AddNotice(entry.Key, gap);
        }

        private void OnInboxFull(StreamEntry entry, in Envelope env)
        {
            _counters.Inc(ref _counters.InboxOverflows);
            if (entry.Key.IsSignal && entry.Key.StrategyId.HasValue && env.SeqId.HasValue)
            {
                // Signals can be fetched again: stop queueing this stream and resubscribe with resume_from once the
                // reader has made room. Nothing is lost while the server holds them (replays are paged).
                entry.Tracker.Suspend();
                _inbox.WantRoom(entry.Key);
                var level = entry.OverflowWarned ? C2DiagnosticLevel.Verbose : C2DiagnosticLevel.Warning; // warn once per stream
                entry.OverflowWarned = true;
                var text = StreamTexts.InboxFullSignals(Label, entry.Key, _inbox.CapacityPerStream, entry.Tracker.LastSeq);
                _diag.Add(level, C2DiagnosticCode.InboxOverflow, text, entry.Sub);
                return;
            }
            if (entry.OpenLoss != null) { entry.OpenLoss.Count = (entry.OpenLoss.Count ?? 0) + 1; return; }
            entry.OpenLoss = new C2DeliveryGap(_session.Id, C2DeliveryProblem.InboxOverflow, entry.Key.Channel, entry.Key.StrategyId, entry.Tracker.LastSeq,
                StreamTexts.InboxFullDropped(entry.Key, _inbox.CapacityPerStream))
            { Count = 1, From = entry.LastDelivered?.Timestamp };
            // Held like a replay gap: counted while updates are refused, queued with the update that ends it.
            Schedule(GapBoundWait, new Input(InputKind.GapBoundDue, arg: entry.OpenLoss));
        }

        internal void OnGap(Link link, in Envelope env, byte[] data)
        {
            string? from = null, serverText = null;
            StreamKey? key = null;
            try
            {
                using (var doc = env.PayloadDocument(data))
                {
                    if (doc != null && doc.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        var p = doc.RootElement;
                        if (p.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String && StreamKey.TryParse(c.GetString(), out var k) &&
                            k.StrategyId.HasValue) key = k;
                        if (!key.HasValue && JsonProperties.Long(p, "strategy_id") is long sid) key = new StreamKey(Channels.Signal, sid);
                        from = p.TryGetProperty("from", out var f) ? (f.ValueKind == JsonValueKind.String ? f.GetString() : f.GetRawText()) : null;
                        serverText = p.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    }
                }
            }
            catch (JsonException) { }
            if (!key.HasValue && env.StrategyId.HasValue) key = new StreamKey(Channels.Signal, env.StrategyId);
            // A gap that names no stream follows the replay of the last subscribe with resume_from acknowledged on its connection.
            key ??= link.LastReplayAcked;
            var entry = key.HasValue ? _book.Find(key.Value) : null;
            if (entry == null || !entry.IsLive)
            {
                _diag.Verbose(StreamTexts.GapIgnored(Label, key, serverText));
                return;
            }
            switch (entry.Tracker.OnGap())
            {
                case GapVerdict.NextPage:
                    _counters.Inc(ref _counters.ReplayPages);
                    Debug(StreamTexts.NextPage(Label, entry.Key, entry.Tracker.LastSeq));
                    if (_inbox.HasRoom(entry.Key)) _requests.Resubscribe(entry, RequestPurpose.Page);
                    else { entry.Tracker.Suspend(); _inbox.WantRoom(entry.Key); }
                    return;
                case GapVerdict.Ignore:
                    return;
            }
            var after = entry.Tracker.LastSeq ?? (long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var f2) ? f2 : (long?)null);
            var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.ReplayLimitExceeded, entry.Key.Channel, entry.Key.StrategyId, after,
                StreamTexts.GapBeforeReplay(entry.Key, from))
            { ServerMessage = serverText, From = entry.LastDelivered?.Timestamp ?? entry.Tracker.LastTimestamp };
            // Held, not queued: the next message of the stream (usually right behind it) gives the range its upper bound,
            // and the two are queued together, so a reader never sees the range open, nor a notice the loop still writes.
            entry.Tracker.OpenGap = gap;
            entry.HeldGap = gap;
            Schedule(GapBoundWait, new Input(InputKind.GapBoundDue, arg: gap));
        }

        /// <summary>How long a replay gap or an overflow loss waits for the stream's next delivered message before it is
        /// reported with an open upper bound.</summary>
        internal static readonly TimeSpan GapBoundWait = TimeSpan.FromSeconds(2);

        /// <summary>The message about to be queued (<paramref name="seq"/>) ends what the stream held: a replay gap the
        /// tracker has just bounded, an overflow loss (room again). Each is queued now, whole, right before it.</summary>
        private void QueueWhatItEnds(StreamEntry entry, long? seq)
        {
            if (entry.HeldGap != null && entry.Tracker.OpenGap == null)
            {
                _inbox.AddNotice(entry.Key, entry.HeldGap);
                entry.HeldGap = null;
            }
            if (entry.OpenLoss != null)
            {
                entry.OpenLoss.BeforeSeqId = seq;
                _inbox.AddNotice(entry.Key, entry.OpenLoss);
                entry.OpenLoss = null;
            }
        }

        /// <summary>A held gap's or loss's wait is over and no message came: that one is reported open ("up to the next
        /// delivered message"). A loss reported so ends its count there; an update refused later starts a new one.</summary>
        internal void OnGapBoundDue(C2DeliveryGap gap)
        {
            var entry = _book.Find(new StreamKey(gap.Channel, gap.StrategyId));
            if (entry == null) return;
            if (entry.HeldGap == gap) { _inbox.AddNotice(entry.Key, gap.Copy()); entry.HeldGap = null; }
            if (entry.OpenLoss == gap) { _inbox.AddNotice(entry.Key, gap); entry.OpenLoss = null; }
        }

        /// <summary>Queues what a stream holds when the session ends. A replay gap goes as a copy: the original stays the
        /// tracker's, which gives it its bound if a message comes later; a loss is no longer counted once it leaves.</summary>
        internal static void ReleaseHeld(StreamEntry entry, Inbox inbox)
        {
            if (entry.HeldGap != null) inbox.AddNotice(entry.Key, entry.HeldGap.Copy());
            if (entry.OpenLoss != null) inbox.AddNotice(entry.Key, entry.OpenLoss);
            entry.HeldGap = null;
            entry.OpenLoss = null;
        }

        /// <summary>The reader drained a suspended stream to half its capacity: fetch what was set aside.</summary>
        internal void OnRoom(StreamKey key)
        {
            var entry = _book.Find(key);
            if (entry == null || !entry.IsLive || !entry.Tracker.Suspended) return;
            _diag.Verbose(StreamTexts.RoomAgain(Label, key, entry.Tracker.LastSeq));
            _requests.Resubscribe(entry, RequestPurpose.Recover);
        }
    }
}
