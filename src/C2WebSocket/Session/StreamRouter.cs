using System;
using System.Collections.Generic;
using System.Linq;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Which stream a data message belongs to: the strategy it names, or the one strategy its connection carries
    /// (docs/protocol.md §7.1). Owns the naming knowledge per channel (do the server's messages name their strategy?),
    /// the trackers of messages no strategy can be given, where a new stream goes, and the split of a connection whose
    /// strategies cannot be told apart. Runs on the loop.
    /// </summary>
    internal sealed class StreamRouter : SessionPart
    {
        private readonly Dictionary<string, StreamTracker> _unattributed = new Dictionary<string, StreamTracker>(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _naming = new Dictionary<string, bool>(StringComparer.Ordinal);
        private string? _lastNaming; // the channel and naming of the last NoteNaming that found nothing new
        private bool _lastNamed;
        private readonly ConnectionSupervisor _connections;
        private readonly StreamDelivery _delivery;
        private readonly RequestSender _requests;
        private readonly SessionLifecycle _lifecycle;

        public StreamRouter(SessionContext context, ConnectionSupervisor connections, StreamDelivery delivery, RequestSender requests,
                            SessionLifecycle lifecycle) : base(context)
        {
            _connections = connections;
            _delivery = delivery;
            _requests = requests;
            _lifecycle = lifecycle;
        }

        internal void OnData(Link link, in Envelope env, byte[] data)
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
                _counters.Inc(ref _counters.Unattributed);
                DeliverUnattributed(channel, env, data);
                return;
            }
            else
            {
                NoteNaming(channel, StrategySource.None);
                var candidates = _book.On(link, channel);
                // Several strategies share the connection, or one stays on it after a split whose unsubscribes the
                // server may not have processed yet (until its resubscribe is acknowledged): not attributable.
                if (candidates.Count > 1 || link.IsAmbiguous(channel) || candidates.Count == 1 && candidates[0].InTransition)
                {
                    OnAmbiguous(link, channel, env, data, candidates);
                    return;
                }
                entry = candidates.Count == 1 ? candidates[0] : null;
            }
            if (entry == null || !entry.IsLive)
            {
                _counters.Inc(ref _counters.LateMessagesDropped); // after an unsubscribe, or a stream never asked for
                return;
            }
            _delivery.DeliverTo(entry, env, data);
        }

        /// <summary>Whether the server's messages on a channel name their strategy: unknown until the first data message;
        /// once one names it, the channel counts as named for the rest of the session (servers do not switch vocabularies).</summary>
        private void NoteNaming(string channel, StrategySource source)
        {
            var named = source != StrategySource.None;
            if (ReferenceEquals(channel, _lastNaming) && named == _lastNamed) return; // every data message: no lookup
            _lastNaming = channel; _lastNamed = named;
            if (_naming.TryGetValue(channel, out var known) && (known == named || known)) return;
            _naming[channel] = named;
            _diag.Verbose(SubscriptionTexts.Naming(Label, channel, source));
        }

        /// <summary>Where a new stream goes: the first connection, unless the server's messages do not name their strategy
        /// and it already carries another strategy on that channel (then a connection of its own, within the budget).</summary>
        internal Link ChooseLink(StreamKey key)
        {
            var main = _connections.Links[0];
            if (!(_naming.TryGetValue(key.Channel, out var named) && !named)) return main;
            foreach (var link in _connections.Links)
                if (_book.On(link).Any(e => e.Key.StrategyId == key.StrategyId)) return link;
            foreach (var link in _connections.Links)
                if (link.State != LinkState.Closed && _book.LiveCount(link) == 0) return link;
            var fresh = _connections.NewLink(force: false);
            if (fresh != null) return fresh;
            main.MarkAmbiguous(key.Channel);
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Unattributed, SubscriptionTexts.SharedNoRoom(Label, key));
            return main;
        }

        /// <summary>Messages that name no strategy on a connection that carries several: never delivered on a guess.</summary>
        private void OnAmbiguous(Link link, string channel, in Envelope env, byte[] data, List<StreamEntry> candidates)
        {
            _counters.Inc(ref _counters.Unattributed);
            if (link.IsAmbiguous(channel) || channel == Channels.Positions)
                DeliverUnattributed(channel, env, data);   // cannot be replayed: delivered with an empty StrategyId
            else if (env.SeqId is long seq && seq <= 1)
            {
                // seq_id 1 can never be replayed (resume_from 0 means live only): deliver it, not knowing whose it is.
                DeliverUnattributed(channel, env, data);
                foreach (var e in _book.All.Where(e => e.Key.Channel == channel && !e.Tracker.LastSeq.HasValue)) e.SeqOneUnattributed = true;
            }
            else
                _counters.Inc(ref _counters.Refetched);                   // each strategy is fetched again from its own resume point
            if (!link.IsAmbiguous(channel) && candidates.Count > 1) Split(link, channel, candidates);
        }

        private void DeliverUnattributed(string channel, in Envelope env, byte[] data)
        {
            if (!_unattributed.TryGetValue(channel, out var t)) _unattributed[channel] = t = new StreamTracker(new StreamKey(channel, null));
            if (t.OnMessage(null, env.IdHash, null) == Verdict.Duplicate) { _counters.Inc(ref _counters.DuplicatesDropped); return; }
            if (!_inbox.HasRoom(t.Key)) { _counters.Inc(ref _counters.InboxOverflows); return; }
            _inbox.Add(t.Key, _delivery.NewMessage(channel, null, env, data, 0));
            t.Commit(null, env.IdHash, null, skipped: false);
            _counters.Inc(ref _counters.MessagesQueued);
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
                var target = _connections.NewLink(force: false);
                if (target == null) { stuck.Add(strategy); continue; }
                moved.Add(strategy);
                foreach (var e in _book.On(link).Where(e => e.Key.StrategyId == strategy))
                {
                    if (link.State == LinkState.Ready && e.EverAcked) _requests.SendUnsubscribe(e.Key, link, null);
                    if (e.InFlight != null) { _book.Forget(e.InFlight); e.InFlight = null; e.Tracker.OnRequestAbandoned(); }
                    e.MoveTo(target);
                    e.Sub.State = C2SubscriptionState.Pending;
                }
                _connections.Connect(target);
            }
            // The one that stays is subscribed again: its ack comes after the server processed the unsubscribes above,
            // so from then on every message on this connection is its. Until then its updates are not attributed.
            var stays = _book.On(link).Where(e => e.Key.StrategyId == keep).ToList();
            foreach (var e in stays) e.InTransition = true;
            var anchor = stays.FirstOrDefault(e => e.Key.IsSignal) ?? stays.FirstOrDefault();
            if (anchor != null) _requests.Resubscribe(anchor, RequestPurpose.Split);
            if (stuck.Count > 0) link.MarkAmbiguous(channel);
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Unattributed, SubscriptionTexts.Split(Label, channel, strategies, link, moved, stuck, keep));
            PublishSubscriptions();
            _lifecycle.UpdateState();
        }
    }
}
