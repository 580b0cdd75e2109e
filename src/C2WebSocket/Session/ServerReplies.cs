using System;
using System.Linq;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The server's answers to this client's requests: subscription.ack and error (correlated by the
    /// <see cref="SubscriptionBook"/>), the resume_from type negotiation (docs/protocol.md §6.1), requests that were
    /// never answered, and a stream refused for good. Owns no state of its own beyond the book's. Runs on the loop.
    /// </summary>
    internal sealed class ServerReplies : SessionPart
    {
        private readonly RequestSender _requests;
        private readonly SessionLifecycle _lifecycle;
        private readonly ConnectionSupervisor _connections;

        public ServerReplies(SessionContext context, RequestSender requests, SessionLifecycle lifecycle, ConnectionSupervisor connections) : base(context)
        {
            _requests = requests;
            _lifecycle = lifecycle;
            _connections = connections;
        }

        internal void OnAck(Link link, in Envelope env, byte[] data)
        {
            StreamKey? named = null;
            string? action = null;
            if (env.RequestId == null) ReadAckPayload(env, data, out named, out action);
            var req = _book.MatchAck(env.RequestId, link, named, action);
            if (req == null)
            {
                Debug(SubscriptionTexts.AckUnmatched(Label, env.RequestId));
                return;
            }
            Debug(SubscriptionTexts.Acknowledged(Label, req.Action, req.Key, req.Id));
            if (!req.IsSubscribe)
            {
                req.Command?.Done.TrySetResult(new UnsubscribeResult { Answered = true, Dropped = req.Dropped });
                return;
            }
            var entry = _book.Find(req.Key);
            if (entry == null || entry.InFlight != req) return;
            entry.InFlight = null;
            entry.InTransition = false;
            if (req.Purpose == RequestPurpose.Split)
                foreach (var other in _book.On(link).Where(o => o.Key.StrategyId == entry.Key.StrategyId)) other.InTransition = false;
            var first = !entry.EverAcked;
            entry.EverAcked = true;
            entry.Sub.State = C2SubscriptionState.Active;
            var ackTime = env.ParseTimestamp(data);
            entry.Sub.SubscribedAt ??= ackTime ?? _clock.Now;
            // The ack's own server timestamp starts the watch (the server's clock stamps the signals too); without one,
            // the local estimate of the server's clock, less its uncertainty.
            entry.Tracker.OnAck(ackTime ?? _clock.Now - StreamTracker.Tolerance);
            entry.Sub.Unverified = entry.Tracker.Unverified;
            if (entry.Tracker.WitnessSeq.HasValue)
            {
                entry.Witness = req;
                Schedule(_options.WitnessTimeout, new Input(InputKind.WitnessDue, arg: req));
            }
            if (req.ResumeFrom.HasValue) link.ReplayAcked(entry.Key);
            if (_checkpoint != null && entry.Key.IsSignal && !entry.Tracker.LastSeq.HasValue && entry.Tracker.Since is DateTimeOffset since)
                _checkpoint.Watch(entry.Key, since);
            // Said before the waiters resume: Add-C2Subscription writes the session's diagnostics as soon as it has its answer.
            if (first || req.Purpose != RequestPurpose.Page) _diag.Verbose(SubscriptionTexts.Subscribed(Label, entry.Key, req.ResumeFrom));
            foreach (var w in entry.Waiters) { w.Timer?.Dispose(); w.Done.TrySetResult(entry.Sub); }
            entry.Waiters.Clear();
            if (req.Purpose == RequestPurpose.Resubscribe) link.ResubscribeAnswered();
            PublishSubscriptions();
            _lifecycle.UpdateState();
        }

        private static void ReadAckPayload(in Envelope env, byte[] data, out StreamKey? named, out string? action)
        {
            named = null;
            action = null;
            try
            {
                using (var doc = env.PayloadDocument(data))
                {
                    if (doc == null || doc.RootElement.ValueKind != JsonValueKind.Object) return;
                    var p = doc.RootElement;
                    var channel = p.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    var strategy = Protocol.JsonProperties.Long(p, "strategy_id");
                    if (channel != null && Channels.IsValid(channel) && strategy.HasValue) named = new StreamKey(channel, strategy);
                    action = p.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                }
            }
            catch (JsonException) { }
        }

        internal void OnError(Link link, in Envelope env, byte[] data)
        {
            C2ServerError error;
            try
            {
                using (var doc = env.PayloadDocument(data)) error = C2ServerError.FromPayload(doc?.RootElement, env.RequestId);
            }
            catch (JsonException) { error = C2ServerError.FromPayload(null, env.RequestId); }
            var req = _book.MatchError(env.RequestId, link, error);
            if (req == null)
            {
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ServerError, SubscriptionTexts.UnrelatedServerError(Label, error), error);
                return;
            }
            if (!req.IsSubscribe)
            {
                req.Command?.Done.TrySetException(new C2ServerErrorException(SubscriptionTexts.Unsubscribing(req.Key), error));
                return;
            }
            var entry = _book.Find(req.Key);
            if (entry == null || entry.InFlight != req) return;
            if (req.ResumeFrom.HasValue && IsResumeFromRefusal(error) && !_options.ResumeFromTypeFixed && !req.FormatSwitched)
            {
                var other = req.Format == ResumeFromWireType.String ? ResumeFromWireType.Number : ResumeFromWireType.String;
                _requests.ResumeFormat = other;
                if (_checkpoint != null) _checkpoint.ResumeFormat = other;
                _diag.Verbose(SubscriptionTexts.ResumeFromSwitched(Label, req.Format, error, other));
                _requests.SendSubscribe(entry, req.Purpose, formatSwitched: true);
                return;
            }
            if (env.RequestId == null && req.Purpose != RequestPurpose.User && req.Attempt < 2)
            {
                // Matched by order only: it may be about something else. A stream the session already had is not given up
                // on one such error; it is sent again once.
                _diag.Verbose(SubscriptionTexts.UnmatchedErrorRetry(Label, error, entry.Key));
                _requests.SendSubscribe(entry, req.Purpose, req.FormatSwitched);
                if (entry.InFlight != null) entry.InFlight.Attempt = req.Attempt + 1;
                return;
            }
            entry.InFlight = null;
            entry.Tracker.OnRequestAbandoned();
            if (req.Purpose == RequestPurpose.Resubscribe) link.ResubscribeAnswered();
            FailStream(entry, req.Purpose, error.ToString(), new C2ServerErrorException(SubscriptionTexts.SubscribingTo(entry.Key), error), error.ToString());
        }

        /// <summary>INVALID_PARAMETER about ResumeFrom (any spelling), at the top or in the errors array.</summary>
        internal static bool IsResumeFromRefusal(C2ServerError error)
        {
            bool Match(string? code, string? field) =>
                string.Equals(code, "INVALID_PARAMETER", StringComparison.OrdinalIgnoreCase) &&
                field != null && string.Equals(field.Replace("_", ""), "ResumeFrom", StringComparison.OrdinalIgnoreCase);
            return Match(error.Code, error.Field) || error.Errors.Any(e => Match(e.Code, e.Field));
        }

        internal void OnRequestTimeout(PendingRequest req)
        {
            if (!_book.IsPending(req)) return;
            _book.Forget(req);
            if (!req.IsSubscribe)
            {
                Debug(SubscriptionTexts.UnsubscribeUnanswered(Label, req.Key));
                req.Command?.Done.TrySetResult(new UnsubscribeResult { Dropped = req.Dropped });
                return;
            }
            var entry = _book.Find(req.Key);
            if (entry == null || entry.InFlight != req) return;
            if (req.Attempt < 2 && req.Link.State == LinkState.Ready)
            {
                _diag.Verbose(SubscriptionTexts.AckRetry(Label, req.Key, _options.RequestTimeout));
                _requests.SendSubscribe(entry, req.Purpose, req.FormatSwitched);
                if (entry.InFlight != null) entry.InFlight.Attempt = req.Attempt + 1;
                return;
            }
            _requests.TakeBack(entry);
            entry.Tracker.OnRequestAbandoned();
            if (req.Purpose == RequestPurpose.Resubscribe) req.Link.ResubscribeAnswered();
            var why = SubscriptionTexts.NoAckAfter(req.Attempt);
            FailStream(entry, req.Purpose, why, new TimeoutException(SubscriptionTexts.NotAcknowledged(entry.Key, why)), null);
        }

        /// <summary>A subscription is refused for good: the user's Add-C2Subscription fails, or (after a reconnect or a
        /// replay page) the loss from its position on is reported in order with the stream.</summary>
        internal void FailStream(StreamEntry entry, RequestPurpose purpose, string why, Exception forWaiters, string? serverText)
        {
            entry.Sub.State = C2SubscriptionState.Failed;
            entry.Sub.LastError = why;
            _book.Remove(entry);
            var hadWaiters = entry.Waiters.Count > 0;
            FailWaiters(entry, forWaiters);
            if (purpose != RequestPurpose.User || !hadWaiters)
            {
                var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.ResubscribeFailed, entry.Key.Channel, entry.Key.StrategyId, entry.Tracker.LastSeq,
                    SubscriptionTexts.NotRestored(entry.Key, why))
                { ServerMessage = serverText, From = entry.LastDelivered?.Timestamp };
                _inbox.AddNotice(entry.Key, gap);
            }
            PublishSubscriptions();
            _lifecycle.UpdateState();
            if (entry.Link.Id != 0 && _book.LiveCount(entry.Link) == 0) _connections.CloseLink(entry.Link);
        }

        internal static void FailWaiters(StreamEntry entry, Exception ex)
        {
            foreach (var w in entry.Waiters) { w.Timer?.Dispose(); w.Done.TrySetException(ex); }
            entry.Waiters.Clear();
        }
    }
}
