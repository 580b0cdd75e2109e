using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>The loop's stream handling: attribution, delivery through the trackers, overflow, gaps, and splitting.</summary>
    internal sealed partial class SessionLoop
    {
        private void OnData(Link link, in Envelope env, byte[] data)
        {
            var channel = env.Kind == MessageKind.Signal ? Channels.Signal : Channels.Positions;
            StreamEntry? entry;
            if (env.StrategyId is long strategy)
            {
                NoteNaming(channel, env.StrategySource);
                entry = _book.Find(new StreamKey(channel, strategy));
            }
            else if (_naming.TryGetValue(channel, out var named) && named)
            {
                // This server names its strategies; a message that does not is not attributed by its connection.
                _c.Inc(ref _c.Unattributed);
                DeliverUnattributed(channel, env, data);
                return;
            }
            else
            {
                NoteNaming(channel, StrategySource.None);
                var candidates = _book.On(link, channel);
                // Several strategies share the connection, or one stays on it after a split whose unsubscribes the
                // server may not have processed yet (until its resubscribe is acknowledged): not attributable.
                if (candidates.Count > 1 || link.Ambiguous.Contains(channel) || candidates.Count == 1 && candidates[0].InTransition)
                {
                    OnAmbiguous(link, channel, env, data, candidates);
                    return;
                }
                entry = candidates.Count == 1 ? candidates[0] : null;
            }
            if (entry == null || !entry.IsLive)
            {
                _c.Inc(ref _c.LateMessagesDropped); // after an unsubscribe, or a stream never asked for
                return;
            }
            DeliverTo(entry, env, data);
        }

        private static string SeqText(long? seq) => seq?.ToString(CultureInfo.InvariantCulture) ?? "(none)";

        private void DeliverTo(StreamEntry entry, in Envelope env, byte[] data)
        {
            var t = entry.Tracker;
            var ts = t.NeedsTime ? env.ParseTimestamp(data) : null;
            var verdict = t.Classify(env.SeqId, env.IdHash, ts, knowsLastTime: entry.LastDelivered != null);
            if (entry.Sub.Verifying && !t.WitnessSeq.HasValue) entry.Sub.Verifying = false; // the witness was judged
            switch (verdict)
            {
                case Verdict.Duplicate:
                    _c.Inc(ref _c.DuplicatesDropped);
                    if (DebugSlot()) _diag.Debug(Sid + ": " + entry.Key + " seq_id " + SeqText(env.SeqId) + " dropped: a duplicate of a message already delivered.");
                    return;
                case Verdict.SetAside:
                    return;
                case Verdict.Refetch:
                    _c.Inc(ref _c.Refetched);
                    return;
                case Verdict.Skip:
                    t.Commit(env.SeqId, env.IdHash, ts, skipped: true);
                    _inbox.AddMarker(entry.Key, t.Epoch, env.SeqId!.Value, ts);
                    _c.Inc(ref _c.SkippedBeforeWatch);
                    entry.Sub.LastSeqId = t.LastSeq;
                    entry.Sub.Unverified = t.Unverified;
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
            entry.Sub.LastSeqId = t.LastSeq;
            entry.Sub.Unverified = t.Unverified;
            _c.Inc(ref _c.MessagesQueued);
            if (DebugSlot()) _diag.Debug(Sid + ": " + entry.Key + " seq_id " + SeqText(env.SeqId) + " queued (" + data.Length.ToString(CultureInfo.InvariantCulture) + " bytes).");
        }

        private C2StreamMessage NewMessage(string channel, long? strategy, in Envelope env, byte[] data, long epoch) =>
            channel == Channels.Signal
                ? new C2Signal(_session.Id, strategy, env, data, _time.GetUtcNow(), epoch)
                : (C2StreamMessage)new C2PositionUpdate(_session.Id, strategy, env, data, _time.GetUtcNow(), epoch);

        /// <summary>Whether the server's messages on a channel name their strategy: unknown until the first data message;
        /// once one names it, the channel counts as named for the rest of the session (servers do not switch vocabularies).</summary>
        private void NoteNaming(string channel, StrategySource source)
        {
            var named = source != StrategySource.None;
            if (_naming.TryGetValue(channel, out var known) && (known == named || known)) return;
            _naming[channel] = named;
            _diag.Verbose(Sid + ": the server's " + channel + " messages " + (named ? "name their strategy (" + SourceText(source) + ")." : "do not name their strategy; each strategy is told apart by the connection that carries it."));
        }

        private static string SourceText(StrategySource s) =>
            s == StrategySource.Payload ? "a payload field" : s == StrategySource.Envelope ? "an envelope field" : "the stream name";

        /// <summary>Re-bases the stream and fetches its new sequence from the start, keeping what is newer than the last message delivered.</summary>
        private void StartBackfill(StreamEntry entry)
        {
            var t = entry.Tracker;
            // Server timestamps need no tolerance against each other; the local clock estimate does.
            var since = entry.LastDelivered?.Timestamp ?? t.LastTimestamp ?? entry.Sub.SubscribedAt ?? _clock.Now - StreamTracker.Tolerance;
            if (since > _clock.Now) since = _clock.Now - StreamTracker.Tolerance; // a timestamp from the future must not hide what comes next
            t.BeginBackfill(since);
            entry.LastDelivered = null;
            Resubscribe(entry, RequestPurpose.Backfill);
        }

        /// <summary>The witness of an acknowledged resume did not come back in time: the replay was empty.</summary>
        private void OnWitnessDue(PendingRequest req)
        {
            var entry = _book.Find(req.Key);
            if (entry == null || !entry.IsLive || entry.Witness != req || entry.Tracker.AwaitingAck || !entry.Tracker.WitnessSeq.HasValue) return;
            entry.Sub.Verifying = false;
            if (entry.Link.Ambiguous.Contains(entry.Key.Channel))
            {
                // Shared with other strategies whose messages do not name them: its witness could not be recognised.
                entry.Tracker.DropWitness();
                return;
            }
            WarnUnconfirmed(entry, "nothing came back within " + _o.WitnessTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
            StartBackfill(entry);
        }

        /// <summary>The witness of a verified resume (the stream's position, not moved since) did not come back.</summary>
        private void WarnUnconfirmed(StreamEntry entry, string what)
        {
            var witness = entry.Tracker.LastSeq ?? 0;
            ReportAnomaly(entry, Sid + ": " + entry.Key + " was resumed with resume_from " + (witness - 1).ToString(CultureInfo.InvariantCulture) + " to fetch seq_id " +
                                 witness.ToString(CultureInfo.InvariantCulture) + ", the last one delivered, again, but " + what + ": the server's sequence for it restarted " +
                                 "below that point (or no longer holds it). The session re-based the stream and is fetching the new sequence from its start, keeping the signals newer than the last one delivered.");
        }

        /// <summary>Counts a sequence anomaly and says it: a warning the first time for a stream, verbose after that.</summary>
        private void ReportAnomaly(StreamEntry entry, string text)
        {
            _c.Inc(ref _c.SequenceAnomalies);
            var level = entry.Tracker.AnomalyWarned ? C2DiagnosticLevel.Verbose : C2DiagnosticLevel.Warning;
            entry.Tracker.AnomalyWarned = true;
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
            ReportAnomaly(entry, Sid + ": " + entry.Key + " went back from seq_id " + expected + " to " + seq.ToString(CultureInfo.InvariantCulture) +
                                 " with a message id not seen before: " + cause + ". " + action);
        }

        private void ReportSeqOne(StreamEntry entry, C2StreamMessage first)
        {
            if (entry.SeqOneUnattributed)
            {
                _diag.Verbose(Sid + ": " + entry.Key + " was replayed from its start; its seq_id 1 is the one delivered earlier with an empty StrategyId, while its connection was shared.");
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
            _c.Inc(ref _c.InboxOverflows);
            if (entry.Key.IsSignal && entry.Key.StrategyId.HasValue && env.SeqId.HasValue)
            {
                // Signals can be fetched again: stop queueing this stream and resubscribe with resume_from once the
                // reader has made room. Nothing is lost while the server holds them (replays are paged).
                entry.Tracker.Suspend();
                _inbox.WantRoom(entry.Key);
                var level = entry.OverflowWarned ? C2DiagnosticLevel.Verbose : C2DiagnosticLevel.Warning; // warn once per stream
                entry.OverflowWarned = true;
                _diag.Add(level, C2DiagnosticCode.InboxOverflow,
                    Sid + ": the inbox of " + entry.Key + " is full (" + _inbox.CapacityPerStream.ToString(CultureInfo.InvariantCulture) + " messages): its signals after seq_id " +
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

        private void OnGap(Link link, in Envelope env, byte[] data)
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
                _diag.Verbose(Sid + ": a gap message for " + (key?.ToString() ?? "an unknown stream") + " that this session does not follow was ignored" + (serverText != null ? " (the server said: " + serverText + ")" : "") + ".");
                return;
            }
            switch (entry.Tracker.OnGap())
            {
                case GapVerdict.NextPage:
                    _c.Inc(ref _c.ReplayPages);
                    Debug(Sid + ": replay page of " + entry.Key + " ended at seq_id " + entry.Tracker.LastSeq?.ToString(CultureInfo.InvariantCulture) + "; fetching the next page.");
                    if (_inbox.HasRoom(entry.Key)) Resubscribe(entry, RequestPurpose.Page);
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

        /// <summary>Messages that name no strategy on a connection that carries several: never delivered on a guess.</summary>
        private void OnAmbiguous(Link link, string channel, in Envelope env, byte[] data, List<StreamEntry> candidates)
        {
            _c.Inc(ref _c.Unattributed);
            if (link.Ambiguous.Contains(channel) || channel == Channels.Positions)
                DeliverUnattributed(channel, env, data);   // cannot be replayed: delivered with an empty StrategyId
            else if (env.SeqId is long seq && seq <= 1)
            {
                // seq_id 1 can never be replayed (resume_from 0 means live only): deliver it, not knowing whose it is.
                DeliverUnattributed(channel, env, data);
                foreach (var e in _book.All.Where(e => e.Key.Channel == channel && !e.Tracker.LastSeq.HasValue)) e.SeqOneUnattributed = true;
            }
            else
                _c.Inc(ref _c.Refetched);                   // each strategy is fetched again from its own resume point
            if (!link.Ambiguous.Contains(channel) && candidates.Count > 1) Split(link, channel, candidates);
        }

        private void DeliverUnattributed(string channel, in Envelope env, byte[] data)
        {
            if (!_unattributed.TryGetValue(channel, out var t)) _unattributed[channel] = t = new StreamTracker(new StreamKey(channel, null));
            if (t.Classify(null, env.IdHash, null) == Verdict.Duplicate) { _c.Inc(ref _c.DuplicatesDropped); return; }
            if (!_inbox.HasRoom(t.Key)) { _c.Inc(ref _c.InboxOverflows); return; }
            _inbox.Add(t.Key, NewMessage(channel, null, env, data, 0));
            t.Commit(null, env.IdHash, null, skipped: false);
            _c.Inc(ref _c.MessagesQueued);
        }

        /// <summary>
        /// Gives each strategy of an ambiguous connection a connection of its own (within the key's 10), so every later
        /// message is attributed by its connection; each moved stream is subscribed there from its resume point, and the
        /// one that stays is subscribed again, so nothing dropped while it was ambiguous is missing. Over the budget the
        /// rest stay shared: their messages are delivered with an empty StrategyId (deduplicated by message id).
        /// </summary>
        private void Split(Link link, string channel, List<StreamEntry> candidates)
        {
            var strategies = candidates.Select(e => e.Key.StrategyId!.Value).Distinct().ToList();
            var keep = strategies[0];
            var moved = new List<long>();
            var stuck = new List<long>();
            foreach (var strategy in strategies.Skip(1))
            {
                var target = NewLink(force: false);
                if (target == null) { stuck.Add(strategy); continue; }
                moved.Add(strategy);
                foreach (var e in _book.On(link).Where(e => e.Key.StrategyId == strategy))
                {
                    if (link.State == LinkState.Ready && e.EverAcked) SendUnsubscribe(e.Key, link, null);
                    if (e.InFlight != null) { _book.Forget(e.InFlight); e.InFlight = null; e.Tracker.OnRequestAbandoned(); }
                    e.MoveTo(target);
                    e.Sub.State = C2SubscriptionState.Pending;
                }
                Connect(target);
            }
            // The one that stays is subscribed again: its ack comes after the server processed the unsubscribes above,
            // so from then on every message on this connection is its. Until then its updates are not attributed.
            var stays = _book.On(link).Where(e => e.Key.StrategyId == keep).ToList();
            foreach (var e in stays) e.InTransition = true;
            var anchor = stays.FirstOrDefault(e => e.Key.IsSignal) ?? stays.FirstOrDefault();
            if (anchor != null) Resubscribe(anchor, RequestPurpose.Split);
            if (stuck.Count > 0) link.Ambiguous.Add(channel);
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Unattributed,
                Sid + ": the server sends " + channel + " messages that do not name their strategy, and strategies " + string.Join(", ", strategies) +
                " shared " + link + ". " + (moved.Count == 1 ? "Strategy " + moved[0] + " now has a connection of its own and is fetched again from its resume point, so each message is attributed by its connection. "
                    : moved.Count > 1 ? "Strategies " + string.Join(", ", moved) + " now have connections of their own and are fetched again from their resume points, so each message is attributed by its connection. " : "") +
                (stuck.Count > 0 ? "The key's 10 connections are in use, so " + (stuck.Count == 1 ? "strategy " + stuck[0] + " stays" : "strategies " + string.Join(", ", stuck) + " stay") + " shared with " + keep + ": their messages are delivered with an empty StrategyId, deduplicated by message id, and cannot be resumed per strategy. Close other sessions of this key, or use fewer strategies per key." : ""));
            PublishSubscriptions();
            UpdateState();
        }
    }
}
