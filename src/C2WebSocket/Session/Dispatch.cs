using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A server <c>error</c> in answer to one of this client's requests.</summary>
    public sealed class C2ServerErrorException : Exception
    {
        internal C2ServerErrorException(string context, C2ServerError error)
            : base(context + ": the server answered " + error + ".") { Error = error; }
        public C2ServerError Error { get; }
    }

    /// <summary>The loop's dispatch of frames: decode, heartbeats, the version, acks and errors.</summary>
    internal sealed partial class SessionLoop
    {
        private void OnFrame(Link link, int gen, byte[] data, bool binary)
        {
            if (gen != link.Gen || link.Connection == null) return; // a frame of a connection already replaced
            link.LastFrameTicks = _time.GetTimestamp();
            if (link.State == LinkState.Ready) link.MessagesSinceReady++;
            Volatile.Write(ref _session._lastFrameTicks, link.LastFrameTicks);
            _c.Inc(ref _c.MessagesReceived);
            if (binary)
            {
                Malformed("BinaryFrame", "a binary frame of " + data.Length.ToString(CultureInfo.InvariantCulture) + " bytes (C2 sends JSON text)");
                return;
            }
            Envelope env;
            try { env = EnvelopeReader.Decode(data, data.Length); }
            catch (ProtocolException ex)
            {
                Malformed(ex.Reason, ex.Message);
                return;
            }
            if (env.Malformed != null)
            {
                Malformed("WrongFieldType", "a " + (env.UnknownType ?? env.Kind.ToString()) + " message: " + env.Malformed);
                // A heartbeat is still answered: the server closes connections that miss one.
                if (env.Kind != MessageKind.Heartbeat) return;
            }
            if (env.Version is int v) NoteVersion(v);

            switch (env.Kind)
            {
                case MessageKind.Signal:
                case MessageKind.Positions:
                    OnData(link, env, data);
                    break;
                case MessageKind.Heartbeat:
                    OnHeartbeat(link, env, data);
                    break;
                case MessageKind.Connected:
                    SampleClock(env.ParseTimestamp(data));
                    OnLinkConnected(link);
                    break;
                case MessageKind.Ack:
                    OnAck(link, env, data);
                    break;
                case MessageKind.Error:
                    OnError(link, env, data);
                    break;
                case MessageKind.Gap:
                    OnGap(link, env, data);
                    break;
                case MessageKind.Disconnected:
                    _diag.Verbose(Sid + ": the server announced connection.disconnected on " + link + "; expecting the socket to close.");
                    break;
                default:
                    _c.Inc(ref _c.UnknownMessages);
                    Debug(Sid + ": ignored a message of unknown type '" + env.UnknownType + "'.");
                    break;
            }
        }

        private void OnHeartbeat(Link link, in Envelope env, byte[] data)
        {
            _c.Inc(ref _c.HeartbeatsReceived);
            _session.LastHeartbeatAt = _time.GetUtcNow();
            SampleClock(env.ParseTimestamp(data));
            link.Connection!.Send(ClientMessages.HeartbeatAck(_clock.Now));
            _c.Inc(ref _c.HeartbeatAcksSent);
            Debug(Sid + ": heartbeat on " + link + " answered with heartbeat.ack.");
        }

        private void SampleClock(DateTimeOffset? serverTimestamp)
        {
            if (!(_clock.Sample(serverTimestamp) is TimeSpan offset)) return;
            _diag.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: the local clock is {1:0.#} s {2} the server's; timestamps sent are corrected.",
                Sid, Math.Abs(offset.TotalSeconds), offset > TimeSpan.Zero ? "behind" : "ahead of"));
        }

        private void NoteVersion(int version)
        {
            _session.ServerVersion = version;
            if (version == ProtocolLimits.ProtocolVersion || _versionWarned) return;
            _versionWarned = true;
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.ProtocolVersion, "The C2 server speaks protocol version " + version.ToString(CultureInfo.InvariantCulture) + "; this module was written for version 4. Messages are still processed; check for a module update.");
        }

        private void OnAck(Link link, in Envelope env, byte[] data)
        {
            StreamKey? named = null;
            string? action = null;
            if (env.RequestId == null) ReadAckPayload(env, data, out named, out action);
            var req = _book.MatchAck(env.RequestId, link, named, action);
            if (req == null)
            {
                Debug(Sid + ": subscription.ack for no outstanding request (request_id '" + env.RequestId + "').");
                return;
            }
            Debug(Sid + ": " + req.Action + " of " + req.Key + " acknowledged (" + req.Id + ").");
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
                Schedule(_o.WitnessTimeout, new Input(InputKind.WitnessDue, arg: req));
            }
            if (req.ResumeFrom.HasValue) link.LastReplayAcked = entry.Key;
            if (_checkpoint != null && entry.Key.IsSignal && !entry.Tracker.LastSeq.HasValue && entry.Tracker.Since is DateTimeOffset since)
                _checkpoint.Watch(entry.Key, since);
            // Said before the waiters resume: Add-C2Subscription writes the session's diagnostics as soon as it has its answer.
            if (first || req.Purpose != RequestPurpose.Page) _diag.Verbose(Sid + ": subscribed to " + entry.Key + (req.ResumeFrom.HasValue ? " (resume_from " + req.ResumeFrom.Value.ToString(CultureInfo.InvariantCulture) + ")" : "") + ".");
            foreach (var w in entry.Waiters) { w.Timer?.Dispose(); w.Done.TrySetResult(entry.Sub); }
            entry.Waiters.Clear();
            if (req.Purpose == RequestPurpose.Resubscribe) link.ResubscribesOutstanding--;
            PublishSubscriptions();
            UpdateState();
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
                    long? strategy = p.TryGetProperty("strategy_id", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var sv) ? sv : (long?)null;
                    if (channel != null && Channels.IsValid(channel) && strategy.HasValue) named = new StreamKey(channel, strategy);
                    action = p.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                }
            }
            catch (JsonException) { }
        }

        private void OnError(Link link, in Envelope env, byte[] data)
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
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ServerError, Sid + ": the server reported an error not tied to a request of this client: " + error + ".", error);
                return;
            }
            if (!req.IsSubscribe)
            {
                req.Command?.Done.TrySetException(new C2ServerErrorException("Unsubscribing from " + req.Key, error));
                return;
            }
            var entry = _book.Find(req.Key);
            if (entry == null || entry.InFlight != req) return;
            if (req.ResumeFrom.HasValue && IsResumeFromRefusal(error) && !_o.ResumeFromTypeFixed && !req.FormatSwitched)
            {
                var other = req.Format == ResumeFromWireType.String ? ResumeFromWireType.Number : ResumeFromWireType.String;
                _resumeFormat = other;
                if (_checkpoint != null) _checkpoint.ResumeFormat = other;
                _diag.Verbose(Sid + ": the server refused resume_from as a JSON " + req.Format.ToString().ToLowerInvariant() + " (" + error + "); sending it as a " + other.ToString().ToLowerInvariant() + " from now on.");
                SendSubscribe(entry, req.Purpose, formatSwitched: true);
                return;
            }
            if (env.RequestId == null && req.Purpose != RequestPurpose.User && req.Attempt < 2)
            {
                // Matched by order only: it may be about something else. A stream the session already had is not given up
                // on one such error; it is sent again once.
                _diag.Verbose(Sid + ": an error without request_id (" + error + ") arrived while " + entry.Key + " was being subscribed again; sending it once more.");
                SendSubscribe(entry, req.Purpose, req.FormatSwitched);
                if (entry.InFlight != null) entry.InFlight.Attempt = req.Attempt + 1;
                return;
            }
            entry.InFlight = null;
            entry.Tracker.OnRequestAbandoned();
            if (req.Purpose == RequestPurpose.Resubscribe) link.ResubscribesOutstanding--;
            FailStream(entry, req.Purpose, error.ToString(), new C2ServerErrorException("Subscribing to " + entry.Key, error), error.ToString());
        }

        /// <summary>INVALID_PARAMETER about ResumeFrom (any spelling), at the top or in the errors array.</summary>
        internal static bool IsResumeFromRefusal(C2ServerError error)
        {
            bool Match(string? code, string? field) =>
                string.Equals(code, "INVALID_PARAMETER", StringComparison.OrdinalIgnoreCase) &&
                field != null && string.Equals(field.Replace("_", ""), "ResumeFrom", StringComparison.OrdinalIgnoreCase);
            return Match(error.Code, error.Field) || error.Errors.Any(e => Match(e.Code, e.Field));
        }

        /// <summary>A subscription is refused for good: the user's Add-C2Subscription fails, or (after a reconnect or a
        /// replay page) the loss from its position on is reported in order with the stream.</summary>
        private void FailStream(StreamEntry entry, RequestPurpose purpose, string why, Exception forWaiters, string? serverText)
        {
            entry.Sub.State = C2SubscriptionState.Failed;
            entry.Sub.LastError = why;
            _book.Remove(entry);
            var hadWaiters = entry.Waiters.Count > 0;
            FailWaiters(entry, forWaiters);
            if (purpose != RequestPurpose.User || !hadWaiters)
            {
                var gap = new C2DeliveryGap(_session.Id, C2DeliveryProblem.ResubscribeFailed, entry.Key.Channel, entry.Key.StrategyId, entry.Tracker.LastSeq,
                    "The subscription to " + entry.Key + " could not be restored: " + why + ". Nothing more is received for it.")
                { ServerMessage = serverText, From = entry.LastDelivered?.Timestamp };
                _inbox.AddNotice(entry.Key, gap);
            }
            PublishSubscriptions();
            UpdateState();
            if (entry.Link.Id != 0 && _book.LiveCount(entry.Link) == 0) CloseLink(entry.Link);
        }

        private static void FailWaiters(StreamEntry entry, Exception ex)
        {
            foreach (var w in entry.Waiters) { w.Timer?.Dispose(); w.Done.TrySetException(ex); }
            entry.Waiters.Clear();
        }
    }
}
