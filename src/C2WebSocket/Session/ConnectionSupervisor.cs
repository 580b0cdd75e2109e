using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>
    /// The session's connections: opening them (the per-key budget), the handshake deadline, the watchdog, why a
    /// connection ended (the 1008 rule of <see cref="ReconnectPolicy"/>), backoff and reconnect, and resubscribing
    /// when a connection is ready. Owns the connection slots (<see cref="Link"/>s), the backoff, the watchdog timer and
    /// the token that cancels connects in progress. Runs on the loop; the receive pumps are <see cref="ReceivePump"/>.
    /// </summary>
    internal sealed class ConnectionSupervisor : SessionPart
    {
        private readonly List<Link> _links = new List<Link>();
        private readonly Backoff _backoff;
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly string _keyFingerprint;
        private readonly Func<Input, ValueTask> _postFrame;
        private SessionLifecycle _lifecycle = null!;
        private RequestSender _requests = null!;
        private ITimer? _watchdog;
        private TimeSpan _watchdogPeriod, _watchdogDue;
        private int _nextLinkId;
        private int _budgetCount;

        public ConnectionSupervisor(SessionContext context, string keyFingerprint, Func<Input, ValueTask> postFrame) : base(context)
        {
            _keyFingerprint = keyFingerprint;
            _postFrame = postFrame;
            _backoff = new Backoff(_options.ReconnectInterval, _options.MaxReconnectInterval, _options.ThrottledReconnectInterval, _options.JitterSeed);
        }

        public void Attach(SessionLifecycle lifecycle, RequestSender requests) { _lifecycle = lifecycle; _requests = requests; }

        /// <summary>The connection slots; the first (id 0) lives as long as the session.</summary>
        public IReadOnlyList<Link> Links => _links;

        /// <summary>Shuts every connection and stops the watchdog (the session ended or was closed).</summary>
        internal void ShutAll()
        {
            foreach (var link in _links) Shut(link);
            _watchdog?.Dispose();
            _watchdog = null;
        }

        /// <summary>Cancels connects in progress (the session was closed).</summary>
        internal void CancelConnects() => _lifetime.Cancel();

        internal void OnReconnectDue(Link link, int gen)
        {
            if (gen == link.Gen && link.State == LinkState.Backoff) Connect(link);
        }

        internal void OpenFirst()
        {
            var link = NewLink(force: true)!;
            var count = _budgetCount;
            if (count > Protocol.ProtocolLimits.MaxConnectionsPerKey)
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Info, "This process now has " + count.ToString(CultureInfo.InvariantCulture) + " open connections with the same API key; C2 allows 10 connections per key and refuses the rest with HTTP 429.");
            _watchdogPeriod = _watchdogDue = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, _options.HeartbeatTimeout.Ticks / 4));
            _watchdog = _time.CreateTimer(static s => ((ConnectionSupervisor)s!).Post(new Input(InputKind.Watchdog)), this, _watchdogPeriod, _watchdogPeriod);
            _diag.Verbose(Label + ": connecting to " + _options.Uri + ".");
            Connect(link);
        }

        /// <summary>A new connection slot; null when the key's 10 connections are taken (unless <paramref name="force"/>).</summary>
        internal Link? NewLink(bool force)
        {
            var n = ConnectionBudget.Take(_keyFingerprint, force);
            if (n < 0) return null;
            _budgetCount = n;
            var link = new Link(_nextLinkId++, holdsBudget: true);
            _links.Add(link);
            return link;
        }

        internal void CloseLink(Link link)
        {
            if (link.Id == 0) return;
            link.Connection?.CloseAsync(TimeSpan.FromSeconds(2));
            Shut(link);
            _links.Remove(link);
            _diag.Verbose(Label + ": " + link + " carries no subscription any more and was closed.");
        }

        internal void Connect(Link link)
        {
            var gen = link.BeginConnect(_time.GetTimestamp());
            _ = ConnectTaskAsync(link, gen);
        }

        private async Task ConnectTaskAsync(Link link, int gen)
        {
            object result;
            try
            {
                result = await _options.Transport.ConnectAsync(new ConnectSettings
                {
                    Uri = _options.Uri,
                    ApiKey = _options.ApiKey,
                    Proxy = _options.Proxy,
                    UseDefaultProxy = _options.UseDefaultProxy,
                    ConnectTimeout = _options.ConnectTimeout,
                    MaxMessageBytes = _options.MaxMessageBytes,
                }, _lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                result = ex;
            }
            Post(new Input(InputKind.ConnectDone, link, gen, arg: result));
        }

        internal void OnConnectDone(Link link, int gen, object? result)
        {
            if (gen != link.Gen || _lifecycle.IsClosing || _lifecycle.IsEnded || link.State != LinkState.Connecting)
            {
                (result as IC2Connection)?.Dispose();
                return;
            }
            if (result is IC2Connection conn)
            {
                link.Upgraded(conn, _time.GetTimestamp());
                _diag.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: WebSocket upgrade accepted by {1} after {2:0} ms; waiting for connection.connected.", Label, _options.Uri, _time.GetElapsedTime(link.StartedTicks).TotalMilliseconds));
                _ = ReceivePump.RunAsync(link, gen, conn, _postFrame, i => Post(i));
                var left = _options.ConnectTimeout - _time.GetElapsedTime(link.StartedTicks);
                link.Arm(Schedule(left < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : left, new Input(InputKind.HandshakeDeadline, link, gen)));
                return;
            }
            var ex = result as Exception ?? new InvalidOperationException("connect failed");
            var connectEx = ex as C2ConnectException;
            if (_lifecycle.IsOpening && link.Id == 0)
            {
                _lifecycle.FailOpen(ex);
                return;
            }
            if (connectEx != null && connectEx.IsAuthenticationFailure)
            {
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.AuthenticationFailed, connectEx.Message, _options.Uri, connectEx);
                _lifecycle.End(C2SessionState.Failed, "the server refused the API key");
                return;
            }
            _session.LastError = ex.Message;
            _diag.Verbose(Label + ": reconnect attempt " + link.Attempt.ToString(CultureInfo.InvariantCulture) + " of " + link + " failed: " + ex.Message);
            ScheduleReconnect(link, connectEx?.IsThrottle ?? false, connectEx?.RetryAfter);
        }

        internal void OnHandshakeDeadline(Link link, int gen)
        {
            if (gen != link.Gen || link.State != LinkState.Handshake) return;
            link.HandshakeExpired(string.Format(CultureInfo.InvariantCulture, "the server at {0} accepted the WebSocket but sent no connection.connected within {1:0.###} s", _options.Uri, _options.ConnectTimeout.TotalSeconds));
        }

        /// <summary>The watchdog: a Ready link silent for more than HeartbeatTimeout is aborted as presumed dead.</summary>
        internal void OnWatchdog()
        {
            if (_lifecycle.IsClosing || _lifecycle.IsEnded) return;
            var now = _time.GetTimestamp();
            foreach (var link in _links)
            {
                if (link.State != LinkState.Ready || link.AbortReason != null) continue;
                if (_time.GetElapsedTime(link.LastFrameTicks, now) <= _options.HeartbeatTimeout) continue;
                link.Abort(string.Format(CultureInfo.InvariantCulture, "no message from the server for {0:0.###} s (heartbeats stopped): the connection is presumed dead", _options.HeartbeatTimeout.TotalSeconds));
            }
            AimWatchdog(now);
        }

        /// <summary>Aims the watchdog's (periodic) timer at the earliest moment a Ready link could be silent past the timeout
        /// (last message + timeout + 1 ms: the rule is "more than"); with no Ready link, every quarter of the timeout. Called
        /// after each look and at each heartbeat: while heartbeats come the timer never wakes the loop, and a dead
        /// connection is found at its deadline, not up to a quarter of the timeout after it.</summary>
        internal void AimWatchdog(long now)
        {
            if (_watchdog == null) return;
            var next = TimeSpan.MaxValue;
            foreach (var link in _links)
            {
                if (link.State != LinkState.Ready || link.AbortReason != null) continue;
                var left = _options.HeartbeatTimeout - _time.GetElapsedTime(link.LastFrameTicks, now);
                if (left < next) next = left;
            }
            next = next == TimeSpan.MaxValue ? _watchdogPeriod : next < TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : next + TimeSpan.FromMilliseconds(1);
            if (next == _watchdogDue && next == _watchdogPeriod) return; // already ticking at that period
            _watchdogDue = next;
            _watchdog.Change(next, next);
        }

        internal void OnEnded(Link link, int gen, ConnectionEnd end)
        {
            if (gen != link.Gen) return;
            var wasHandshake = link.State == LinkState.Handshake;
            var policyRule = end.CloseStatus == WebSocketCloseStatus.PolicyViolation ? JudgePolicyClose(link) : (PolicyCloseRule?)null;
            var reason = link.Lost(end.Reason);
            foreach (var request in _book.DropLink(link)) request.Command?.Done.TrySetResult(new UnsubscribeResult { Dropped = request.Dropped });
            foreach (var e in _book.On(link))
            {
                if (e.InFlight != null) { e.InFlight = null; e.Tracker.OnRequestAbandoned(); }
                if (e.Sub.State == C2SubscriptionState.Active) e.Sub.State = C2SubscriptionState.Pending;
            }
            PublishSubscriptions();
            if (_lifecycle.IsClosing || _lifecycle.IsEnded) return;

            if (_lifecycle.IsOpening && link.Id == 0)
            {
                Exception failure;
                if (end.CloseStatus == WebSocketCloseStatus.PolicyViolation)
                    failure = new C2ConnectException(C2ConnectFailure.ConnectionRejected, C2ConnectStep.Handshake, _options.Uri,
                        "The server closed the new connection at once with PolicyViolation (1008): another connection with this API key was being opened at the same moment, or the key is at its connection limit. Wait before connecting again.",
                        serverReason: end.CloseDescription, isThrottle: true);
                else if (link.HandshakeTimedOut)
                    failure = new C2ConnectException(C2ConnectFailure.ConnectTimeout, C2ConnectStep.Handshake, _options.Uri, char.ToUpperInvariant(reason[0]) + reason.Substring(1) + ".");
                else
                    failure = new C2ConnectException(C2ConnectFailure.ConnectFailed, C2ConnectStep.Handshake, _options.Uri,
                        "The connection to " + _options.Uri + " ended before the server sent connection.connected: " + reason);
                _lifecycle.FailOpen(failure);
                return;
            }
            if (end.TooLarge != null)
            {
                _counters.Inc(ref _counters.Malformed);
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.MessageTooLarge, Label + ": " + end.TooLarge.Message, _session, end.TooLarge);
            }
            _session.LastError = reason;
            _diag.Verbose(Label + ": " + link + " lost: " + reason);
            if (_options.MaxReconnectAttempts == 0)
            {
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.ConnectionLost, Label + " lost its connection (" + reason + ") and reconnecting is turned off (-MaxReconnectAttempts 0).");
                _lifecycle.End(C2SessionState.Disconnected, reason);
                return;
            }
            if (!wasHandshake && _time.GetElapsedTime(link.StartedTicks) > _options.HeartbeatTimeout) link.ResetAttempts();
            _lifecycle.UpdateState();
            if (policyRule is PolicyCloseRule rule) _diag.Verbose(Label + ": " + link + " was closed with PolicyViolation (1008) " + PolicyCloseText(rule, link));
            ScheduleReconnect(link, policyRule.HasValue && policyRule.Value != PolicyCloseRule.Established, null);
        }

        /// <summary>Which 1008 rule applies to the link's connection, closed now (docs/protocol.md §9.2); remembers the close.</summary>
        private PolicyCloseRule JudgePolicyClose(Link link)
        {
            var now = _time.GetTimestamp();
            var connected = link.State == LinkState.Ready;
            var rule = ReconnectPolicy.JudgePolicyClose(connected, connected ? _time.GetElapsedTime(link.ReadyTicks, now) : TimeSpan.Zero, link.MessagesSinceReady > 0,
                link.LastPolicyCloseTicks != 0 ? _time.GetElapsedTime(link.LastPolicyCloseTicks, now) : (TimeSpan?)null);
            link.PolicyClosed(now);
            return rule;
        }

        private string PolicyCloseText(PolicyCloseRule rule, Link link)
        {
            var floor = _options.ThrottledReconnectInterval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            switch (rule)
            {
                case PolicyCloseRule.ConnectRace:
                    return "right after the upgrade: the connect race (another connection with this API key opened at the same moment), so the reconnect waits at least " + floor + " s.";
                case PolicyCloseRule.Repeated:
                    return "for the second time within a minute, so the reconnect waits at least " + floor + " s.";
                default:
                    return "after it was established: not the connect race, so it reconnects at the normal backoff.";
            }
        }

        private void ScheduleReconnect(Link link, bool throttled, TimeSpan? retryAfter)
        {
            link.NextAttempt();
            if (_options.MaxReconnectAttempts > 0 && link.Attempt > _options.MaxReconnectAttempts)
            {
                var why = "gave up after " + _options.MaxReconnectAttempts.ToString(CultureInfo.InvariantCulture) + (_options.MaxReconnectAttempts == 1 ? " reconnect attempt" : " reconnect attempts") + " (last failure: " + _session.LastError + ")";
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ReconnectFailed, Label + " " + why + ". Signals published from now on are not received; connect again to resume from the last delivered seq_id.", _session);
                _lifecycle.End(C2SessionState.Failed, why);
                return;
            }
            var delay = _backoff.Delay(link.Attempt, throttled, retryAfter);
            Debug(string.Format(CultureInfo.InvariantCulture, "{0}: reconnect attempt {1} of {2} in {3:0.###} s{4}.", Label, link.Attempt, link, delay.TotalSeconds, throttled ? " (the server asked us to slow down)" : ""));
            link.WaitToReconnect(Schedule(delay, new Input(InputKind.ReconnectDue, link, link.Gen)));
        }

        /// <summary>connection.connected: the link is usable; send its subscriptions (again).</summary>
        internal void OnLinkConnected(Link link)
        {
            if (link.State != LinkState.Handshake) return;
            var reconnect = link.Connected(_time.GetTimestamp());
            if (_lifecycle.IsOpening && link.Id == 0) _lifecycle.CompleteOpen();
            else if (reconnect)
            {
                _counters.Inc(ref _counters.Reconnects);
                _diag.Verbose(Label + ": " + link + " reconnected (reconnect #" + _counters.Reconnects.ToString(CultureInfo.InvariantCulture) + ").");
            }
            var streams = _book.On(link);
            link.ExpectResubscribes(streams.Count(e => e.EverAcked));
            foreach (var e in streams) _requests.SendSubscribe(e, e.EverAcked ? RequestPurpose.Resubscribe : RequestPurpose.User);
            _lifecycle.UpdateState();
        }

        internal void Shut(Link link)
        {
            if (link.Shut()) ConnectionBudget.Release(_keyFingerprint);
        }
    }
}
