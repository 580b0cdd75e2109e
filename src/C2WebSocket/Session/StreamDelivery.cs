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
                    if (DebugSlot()) _diag.Debug(Label + ": " + entry.Key + " seq_id " + SeqText(env.SeqId) + " dropped: a duplicate of a message already delivered.");
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
                    WarnUnconfirmed(entry, "its replay started with another message at seq_id " + SeqText(env.SeqId));
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
            if (entry.OpenLoss != null) { entry.OpenLoss.BeforeSeqId = env.SeqId; entry.OpenLoss = null; }
            if (seqOne) ReportSeqOne(entry, message);   // the loss before it is reported before it
            _inbox.Add(entry.Key, message); // after the ranges it closes: a reader that takes it sees their upper bound
            entry.LastDelivered = message;
            entry.Sub.SetPosition(t.LastSeq, t.Unverified);
            _counters.Inc(ref _counters.MessagesQueued);
            if (DebugSlot()) _diag.Debug(Label + ": " + entry.Key + " seq_id " + SeqText(env.SeqId) + " queued (" + data.Length.ToString(CultureInfo.InvariantCulture) + " bytes).");
        }

        internal static string SeqText(long? seq) => seq?.ToString(CultureInfo.InvariantCulture) ?? "(none)";

        internal C2StreamMessage NewMessage(string channel, long? strategy, in Envelope env, byte[] data, long epoch) =>
            channel == Channels.Signal
                ? new C2Signal(_session.Id, strategy, env, data, _time.GetUtcNow(), epoch)
                : (C2StreamMessage)new C2PositionUpdate(_session.Id, strategy, env, data, _time.GetUtcNow(), epoch);

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
            WarnUnconfirmed(entry, "nothing came back within " + _options.WitnessTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
            StartBackfill(entry);
        }

        /// <summary>The witness of a verified resume (the stream's position, not moved since) did not come back.</summary>
        private void WarnUnconfirmed(StreamEntry entry, string what)
        {
            var witness = entry.Tracker.LastSeq ?? 0;
            ReportAnomaly(entry, Label + ": " + entry.Key + " was resumed with resume_from " + (witness - 1).ToString(CultureInfo.InvariantCulture) + " to fetch seq_id " +
                                 witness.ToString(CultureInfo.InvariantCulture) + ", the last one delivered, again, but " + what + ": the server's sequence for it restarted " +
                                 "below that point (or no longer holds it). The session re-based the stream and is fetching the new sequence from its start, keeping the signals newer than the last one delivered.");
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
            var t = entry.Tracker;
            var expected = t.LastSeq?.ToString(CultureInfo.InvariantCulture) ?? "?";
            var cause = t.ExplicitPoint
                ? "the resume point " + expected + " (from -ResumeFrom or a checkpoint) is beyond the server's position, or the server's sequence restarted"
                : "the server's sequence for it restarted";
            var action = backfill
                ? "The session re-based the stream and is fetching the new sequence from its start, keeping the signals newer than the last one delivered."
                : "The session re-based the stream and delivers from seq_id " + seq.ToString(CultureInfo.InvariantCulture) + " on.";
            ReportAnomaly(entry, Label + ": " + entry.Key + " went back from seq_id " + expected + " to " + seq.ToString(CultureInfo.InvariantCulture) +
                                 " with a message id not seen before: " + cause + ". " + action);
        }

        private void ReportSeqOne(StreamEntry entry, C2StreamMessage first)
        {
            if (entry.SeqOneUnattributed)
            {
                _diag.Verbose(Label + ": " + entry.Key + " was replayed from its start; its seq_id 1 is the one delivered earlier with an empty StrategyId, while its connection was shared.");
                return;
            }
            var seq = first.SeqId?.ToString(CultureInfo.InvariantCulture);
            var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.NotReplayable, entry.Key.Channel, entry.Key.StrategyId, null,
                (entry.Tracker.Restarted
                    ? "The server's sequence for " + entry.Key + " restarted, so the new sequence was replayed from its start (resume_from 1); its first signal here is seq_id " + seq +
                      ", which is newer than the last one delivered before the restart."
                    : "The stream " + entry.Key + " had no resume point, so it was replayed from its start (resume_from 1) and its first signal here is seq_id " + seq +
                      ", which is newer than the moment the stream was watched.") +
                " A signal with seq_id 1 cannot be replayed by the protocol (resume_from 0 means live only); if the strategy published one in that window it is missing: check it with the C2 REST API.")
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
                "The replay of " + entry.Key + " asked for with resume_from " + SeqText(asked) + " began at seq_id " + seq.ToString(CultureInfo.InvariantCulture) +
                (after.HasValue ? ", not " + (after.Value + 1).ToString(CultureInfo.InvariantCulture) : "") + ": any signal between them" +
                (count.HasValue ? " (" + count.Value.ToString(CultureInfo.InvariantCulture) + " if the stream's seq_ids have no holes)" : "") +
                " is no longer held by the server and was not delivered." + C2DeliveryGap.RestAdvice)
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
                _diag.Add(level, C2DiagnosticCode.InboxOverflow,
                    Label + ": the inbox of " + entry.Key + " is full (" + _inbox.CapacityPerStream.ToString(CultureInfo.InvariantCulture) + " messages): its signals after seq_id " +
                    (entry.Tracker.LastSeq?.ToString(CultureInfo.InvariantCulture) ?? "(none)") + " are fetched again from the server once Receive-C2Signal has made room. Nothing is lost while the server can replay them; receive faster or raise -InboxCapacity.", entry.Sub);
                return;
            }
            if (entry.OpenLoss != null) { entry.OpenLoss.Count = (entry.OpenLoss.Count ?? 0) + 1; return; }
            entry.OpenLoss = new C2DeliveryGap(_session.Id, C2DeliveryProblem.InboxOverflow, entry.Key.Channel, entry.Key.StrategyId, entry.Tracker.LastSeq,
                "The inbox of " + entry.Key + " was full (" + _inbox.CapacityPerStream.ToString(CultureInfo.InvariantCulture) + " messages): its " + entry.Key.Channel +
                " messages were dropped and cannot be replayed (C2 replays strategy.signal only). Refresh positions from the REST API; receive faster or raise -InboxCapacity.")
            { Count = 1, From = entry.LastDelivered?.Timestamp };
            _inbox.AddNotice(entry.Key, entry.OpenLoss);
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
                        if (p.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String && StreamKey.TryParse(c.GetString(), out var k) && k.StrategyId.HasValue) key = k;
                        if (!key.HasValue && p.TryGetProperty("strategy_id", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var sid)) key = new StreamKey(Channels.Signal, sid);
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
                _diag.Verbose(Label + ": a gap message for " + (key?.ToString() ?? "an unknown stream") + " that this session does not follow was ignored" + (serverText != null ? " (the server said: " + serverText + ")" : "") + ".");
                return;
            }
            switch (entry.Tracker.OnGap())
            {
                case GapVerdict.NextPage:
                    _counters.Inc(ref _counters.ReplayPages);
                    Debug(Label + ": replay page of " + entry.Key + " ended at seq_id " + entry.Tracker.LastSeq?.ToString(CultureInfo.InvariantCulture) + "; fetching the next page.");
                    if (_inbox.HasRoom(entry.Key)) _requests.Resubscribe(entry, RequestPurpose.Page);
                    else { entry.Tracker.Suspend(); _inbox.WantRoom(entry.Key); }
                    return;
                case GapVerdict.Ignore:
                    return;
            }
            var after = entry.Tracker.LastSeq ?? (long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var f2) ? f2 : (long?)null);
            var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.ReplayLimitExceeded, entry.Key.Channel, entry.Key.StrategyId, after,
                "The server could not replay " + entry.Key + " from resume_from " + (from ?? "?") + ": it sent a gap before any new signal of the replay, so these signals cannot be had over the socket." + C2DeliveryGap.RestAdvice)
            { ServerMessage = serverText, From = entry.LastDelivered?.Timestamp ?? entry.Tracker.LastTimestamp };
            entry.Tracker.OpenGap = gap;
            _inbox.AddNotice(entry.Key, gap);
        }

        /// <summary>The reader drained a suspended stream to half its capacity: fetch what was set aside.</summary>
        internal void OnRoom(StreamKey key)
        {
            var entry = _book.Find(key);
            if (entry == null || !entry.IsLive || !entry.Tracker.Suspended) return;
            _diag.Verbose(Label + ": the inbox of " + key + " has room again; fetching its signals after seq_id " + entry.Tracker.LastSeq?.ToString(CultureInfo.InvariantCulture) + " with resume_from.");
            _requests.Resubscribe(entry, RequestPurpose.Recover);
        }
    }
}
