using System;
using System.Collections.Generic;
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
        private readonly Func<Input, bool, ValueTask<bool>> _postMessage;
        private SessionLifecycle _lifecycle = null!;
        private RequestSender _requests = null!;
        private ITimer? _watchdog;
        private TimeSpan _watchdogPeriod, _watchdogDue;
        private int _nextLinkId;
        private int _budgetCount;

        public ConnectionSupervisor(SessionContext context, string keyFingerprint, Func<Input, bool, ValueTask<bool>> postMessage) : base(context)
        {
            _keyFingerprint = keyFingerprint;
            _postMessage = postMessage;
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
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Info, ConnectionTexts.TooManyForKey(count));
            _watchdogPeriod = _watchdogDue = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, _options.HeartbeatTimeout.Ticks / 4));
            _watchdog = Context.WatchdogTime.CreateTimer(static s => ((ConnectionSupervisor)s!).Post(new Input(InputKind.Watchdog)), this,
                _watchdogPeriod, _watchdogPeriod);
            _diag.Verbose(ConnectionTexts.Connecting(Label, _options.Uri));
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
            _diag.Verbose(ConnectionTexts.Idle(Label, link));
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
                    Time = _time,
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
                _diag.Verbose(ConnectionTexts.Upgraded(Label, _options.Uri, _time.GetElapsedTime(link.StartedTicks)));
                _ = ReceivePump.RunAsync(link, gen, conn, _postMessage, i => Post(i), _inbox.Flush);
                var left = _options.ConnectTimeout - _time.GetElapsedTime(link.StartedTicks);
                var deadline = left < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : left;
                link.Arm(Schedule(deadline, new Input(InputKind.HandshakeDeadline, link, gen)));
                return;
            }
            var ex = result as Exception ?? new InvalidOperationException(ConnectionTexts.ConnectFailed);
            var connectEx = ex as C2ConnectException;
            if (_lifecycle.IsOpening && link.Id == 0)
            {
                _lifecycle.FailOpen(ex);
                return;
            }
            if (connectEx != null && connectEx.IsAuthenticationFailure)
            {
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.AuthenticationFailed, connectEx.Message, _options.Uri, connectEx);
                _lifecycle.End(C2SessionState.Failed, ConnectionTexts.KeyRefused);
                return;
            }
            _session.LastError = ex.Message;
            _diag.Verbose(ConnectionTexts.AttemptFailed(Label, link.Attempt, link, ex.Message));
            ScheduleReconnect(link, connectEx?.IsThrottle ?? false, connectEx?.RetryAfter);
        }

        internal void OnHandshakeDeadline(Link link, int gen)
        {
            if (gen != link.Gen || link.State != LinkState.Handshake) return;
            link.HandshakeExpired(ConnectionTexts.HandshakeExpired(_options.Uri, _options.ConnectTimeout));
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
                link.Abort(ConnectionTexts.PresumedDead(_options.HeartbeatTimeout));
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
            var policyRule = end.CloseStatus == WebSocketCloseStatus.PolicyViolation ? RecordPolicyClose(link) : (PolicyCloseRule?)null;
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
                        ConnectionTexts.RejectedAtOnce,
                        serverReason: end.CloseDescription, isThrottle: true);
                else if (link.HandshakeTimedOut)
                    failure = new C2ConnectException(C2ConnectFailure.ConnectTimeout, C2ConnectStep.Handshake, _options.Uri, ConnectionTexts.Sentence(reason));
                else
                    failure = new C2ConnectException(C2ConnectFailure.ConnectFailed, C2ConnectStep.Handshake, _options.Uri,
                        ConnectionTexts.EndedBeforeConnected(_options.Uri, reason));
                _lifecycle.FailOpen(failure);
                return;
            }
            if (end.TooLarge != null)
            {
                _counters.Inc(ref _counters.Malformed);
                var text = ConnectionTexts.TooLarge(Label, end.TooLarge.Message);
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.MessageTooLarge, text, _session, end.TooLarge);
            }
            _session.LastError = reason;
            _diag.Verbose(ConnectionTexts.Lost(Label, link, reason));
            if (_options.MaxReconnectAttempts == 0)
            {
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.ConnectionLost, ConnectionTexts.LostWithoutReconnect(Label, reason));
                _lifecycle.End(C2SessionState.Disconnected, reason);
                return;
            }
            if (!wasHandshake && _time.GetElapsedTime(link.StartedTicks) > _options.HeartbeatTimeout) link.ResetAttempts();
            _lifecycle.UpdateState();
            if (policyRule is PolicyCloseRule rule) _diag.Verbose(ConnectionTexts.PolicyClosed(Label, link, rule, _options.ThrottledReconnectInterval));
            ScheduleReconnect(link, policyRule.HasValue && policyRule.Value != PolicyCloseRule.Established, null);
        }

        /// <summary>Remembers a 1008 close of the link's connection, closed now, and returns which rule applies to it
        /// (docs/protocol.md §9.2; <see cref="ReconnectPolicy.JudgePolicyClose"/> judges, and changes nothing).</summary>
        private PolicyCloseRule RecordPolicyClose(Link link)
        {
            var now = _time.GetTimestamp();
            var connected = link.State == LinkState.Ready;
            var sinceConnected = connected ? _time.GetElapsedTime(link.ReadyTicks, now) : TimeSpan.Zero;
            var sincePrevious = link.LastPolicyCloseTicks != 0 ? _time.GetElapsedTime(link.LastPolicyCloseTicks, now) : (TimeSpan?)null;
            var rule = ReconnectPolicy.JudgePolicyClose(connected, sinceConnected, link.MessagesSinceReady > 0, sincePrevious);
            link.PolicyClosed(now);
            return rule;
        }

        private void ScheduleReconnect(Link link, bool throttled, TimeSpan? retryAfter)
        {
            link.NextAttempt();
            if (_options.MaxReconnectAttempts > 0 && link.Attempt > _options.MaxReconnectAttempts)
            {
                var why = ConnectionTexts.GaveUp(_options.MaxReconnectAttempts, _session.LastError);
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ReconnectFailed, ConnectionTexts.GaveUpError(Label, why), _session);
                _lifecycle.End(C2SessionState.Failed, why);
                return;
            }
            var delay = _backoff.Delay(link.Attempt, throttled, retryAfter);
            Debug(ConnectionTexts.ReconnectIn(Label, link.Attempt, link, delay, throttled));
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
                _diag.Verbose(ConnectionTexts.Reconnected(Label, link, _counters.Reconnects));
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
