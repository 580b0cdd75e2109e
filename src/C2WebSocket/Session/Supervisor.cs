using System;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>The supervisor's part of the loop: opening connections, the receive pump, the watchdog, backoff and reconnect.</summary>
    internal sealed partial class SessionLoop
    {
        private void OnOpen(TaskCompletionSource<bool> done)
        {
            _opening = done;
            var link = NewLink(force: true)!;
            var count = ConnectionBudgetCount;
            if (count > Protocol.ProtocolLimits.MaxConnectionsPerKey)
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Info, "This process now has " + count.ToString(CultureInfo.InvariantCulture) + " open connections with the same API key; C2 allows 10 connections per key and refuses the rest with HTTP 429.");
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, _o.HeartbeatTimeout.Ticks / 4));
            _watchdog = _time.CreateTimer(static s => ((SessionLoop)s!).Post(new Input(InputKind.Watchdog)), this, period, period);
            _diag.Verbose(Sid + ": connecting to " + _o.Uri + ".");
            Connect(link);
        }

        private int ConnectionBudgetCount;

        /// <summary>A new connection slot; null when the key's 10 connections are taken (unless <paramref name="force"/>).</summary>
        private Link? NewLink(bool force)
        {
            var n = ConnectionBudget.Take(_keyFingerprint, force);
            if (n < 0) return null;
            ConnectionBudgetCount = n;
            var link = new Link(_nextLinkId++) { HoldsBudget = true };
            _links.Add(link);
            return link;
        }

        private void CloseLink(Link link)
        {
            if (link.Id == 0) return;
            link.Connection?.CloseAsync(TimeSpan.FromSeconds(2));
            Shut(link);
            _links.Remove(link);
            _diag.Verbose(Sid + ": " + link + " carries no subscription any more and was closed.");
        }

        private void Connect(Link link)
        {
            link.Timer?.Dispose();
            link.Timer = null;
            link.State = LinkState.Connecting;
            var gen = ++link.Gen;
            link.StartedTicks = _time.GetTimestamp();
            _ = ConnectTaskAsync(link, gen);
        }

        private async Task ConnectTaskAsync(Link link, int gen)
        {
            object result;
            try
            {
                result = await _o.Transport.ConnectAsync(new ConnectSettings
                {
                    Uri = _o.Uri,
                    ApiKey = _o.ApiKey,
                    Proxy = _o.Proxy,
                    UseDefaultProxy = _o.UseDefaultProxy,
                    ConnectTimeout = _o.ConnectTimeout,
                    MaxMessageBytes = _o.MaxMessageBytes,
                }, _lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                result = ex;
            }
            Post(new Input(InputKind.ConnectDone, link, gen, arg: result));
        }

        private void OnConnectDone(Link link, int gen, object? result)
        {
            if (gen != link.Gen || _closing || _ended || link.State != LinkState.Connecting)
            {
                (result as IC2Connection)?.Dispose();
                return;
            }
            if (result is IC2Connection conn)
            {
                link.Connection = conn;
                link.State = LinkState.Handshake;
                link.HandshakeTimedOut = false;
                link.LastFrameTicks = _time.GetTimestamp();
                _diag.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: WebSocket upgrade accepted by {1} after {2:0} ms; waiting for connection.connected.", Sid, _o.Uri, _time.GetElapsedTime(link.StartedTicks).TotalMilliseconds));
                _ = PumpAsync(link, gen, conn);
                var left = _o.ConnectTimeout - _time.GetElapsedTime(link.StartedTicks);
                link.Timer = Schedule(left < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : left, new Input(InputKind.HandshakeDeadline, link, gen));
                return;
            }
            var ex = result as Exception ?? new InvalidOperationException("connect failed");
            var connectEx = ex as C2ConnectException;
            if (_opening != null && link.Id == 0)
            {
                FailOpen(ex);
                return;
            }
            if (connectEx != null && connectEx.IsAuthenticationFailure)
            {
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.AuthenticationFailed, connectEx.Message, _o.Uri, connectEx);
                End(C2SessionState.Failed, "the server refused the API key");
                return;
            }
            _session.LastError = ex.Message;
            _diag.Verbose(Sid + ": reconnect attempt " + link.Attempt.ToString(CultureInfo.InvariantCulture) + " of " + link + " failed: " + ex.Message);
            ScheduleReconnect(link, connectEx?.IsThrottle ?? false, connectEx?.RetryAfter);
        }

        /// <summary>The first connection failed. The session ends first, so the caller of OpenAsync sees the final state
        /// (Failed) and every diagnostic of the end; failing the open first let it observe Connecting.</summary>
        private void FailOpen(Exception ex)
        {
            var open = _opening!;
            _opening = null;
            End(C2SessionState.Failed, "the first connection failed");
            open.TrySetException(ex);
        }

        /// <summary>Reads frames and posts them to the loop; the only code that reads the socket. Never throws.</summary>
        private async Task PumpAsync(Link link, int gen, IC2Connection conn)
        {
            var end = new ConnectionEnd();
            try
            {
                while (true)
                {
                    var frame = await conn.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
                    if (!(frame is Frame f))
                    {
                        var status = conn.CloseStatus;
                        await conn.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                        end.CloseStatus = status;
                        end.CloseDescription = conn.CloseDescription;
                        end.Reason = "the server closed the connection with status " +
                                     (status.HasValue ? ((int)status.Value).ToString(CultureInfo.InvariantCulture) + " (" + status.Value + ")" : "(none)") +
                                     (string.IsNullOrEmpty(end.CloseDescription) ? "" : ": " + end.CloseDescription);
                        break;
                    }
                    await PostFrameAsync(new Input(InputKind.Frame, link, gen, f.Data, f.IsBinary)).ConfigureAwait(false);
                }
            }
            catch (MessageTooLargeException ex)
            {
                conn.Abort();
                end.TooLarge = ex;
                end.Reason = "a message over the size limit";
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return;
            }
            catch (Exception ex)
            {
                conn.Abort();
                end.Reason = "the connection failed: " + WebSocketTransport.Innermost(ex).Message;
            }
            Post(new Input(InputKind.Ended, link, gen, arg: end));
        }

        private void OnHandshakeDeadline(Link link, int gen)
        {
            if (gen != link.Gen || link.State != LinkState.Handshake) return;
            link.HandshakeTimedOut = true;
            link.AbortReason = string.Format(CultureInfo.InvariantCulture, "the server at {0} accepted the WebSocket but sent no connection.connected within {1:0.###} s", _o.Uri, _o.ConnectTimeout.TotalSeconds);
            link.Connection?.Abort();
        }

        private void OnWatchdog()
        {
            if (_closing || _ended) return;
            var now = _time.GetTimestamp();
            foreach (var link in _links)
            {
                if (link.State != LinkState.Ready || link.AbortReason != null) continue;
                if (_time.GetElapsedTime(link.LastFrameTicks, now) <= _o.HeartbeatTimeout) continue;
                link.AbortReason = string.Format(CultureInfo.InvariantCulture, "no message from the server for {0:0.###} s (heartbeats stopped): the connection is presumed dead", _o.HeartbeatTimeout.TotalSeconds);
                link.Connection?.Abort();
            }
        }

        private void OnEnded(Link link, int gen, ConnectionEnd end)
        {
            if (gen != link.Gen) return;
            var reason = link.AbortReason ?? end.Reason;
            link.AbortReason = null;
            link.Timer?.Dispose();
            link.Timer = null;
            link.Connection?.Dispose();
            link.Connection = null;
            var wasHandshake = link.State == LinkState.Handshake;
            var policyRule = end.CloseStatus == WebSocketCloseStatus.PolicyViolation ? JudgePolicyClose(link) : (PolicyCloseRule?)null;
            link.State = LinkState.Backoff;
            foreach (var request in _book.DropLink(link)) request.Command?.Done.TrySetResult(new UnsubscribeResult { Dropped = request.Dropped });
            foreach (var e in _book.On(link))
            {
                if (e.InFlight != null) { e.InFlight = null; e.Tracker.OnRequestAbandoned(); }
                if (e.Sub.State == C2SubscriptionState.Active) e.Sub.State = C2SubscriptionState.Pending;
            }
            link.ResubscribesOutstanding = 0;
            PublishSubscriptions();
            if (_closing || _ended) return;

            if (_opening != null && link.Id == 0)
            {
                Exception failure;
                if (end.CloseStatus == WebSocketCloseStatus.PolicyViolation)
                    failure = new C2ConnectException(C2ConnectFailure.ConnectionRejected, C2ConnectStep.Handshake, _o.Uri,
                        "The server closed the new connection at once with PolicyViolation (1008): another connection with this API key was being opened at the same moment, or the key is at its connection limit. Wait before connecting again.",
                        serverReason: end.CloseDescription, isThrottle: true);
                else if (link.HandshakeTimedOut)
                    failure = new C2ConnectException(C2ConnectFailure.ConnectTimeout, C2ConnectStep.Handshake, _o.Uri, char.ToUpperInvariant(reason[0]) + reason.Substring(1) + ".");
                else
                    failure = new C2ConnectException(C2ConnectFailure.ConnectFailed, C2ConnectStep.Handshake, _o.Uri,
                        "The connection to " + _o.Uri + " ended before the server sent connection.connected: " + reason);
                FailOpen(failure);
                return;
            }
            if (end.TooLarge != null)
            {
                _c.Inc(ref _c.Malformed);
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.MessageTooLarge, Sid + ": " + end.TooLarge.Message, _session, end.TooLarge);
            }
            _session.LastError = reason;
            _diag.Verbose(Sid + ": " + link + " lost: " + reason);
            if (_o.MaxReconnectAttempts == 0)
            {
                _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.ConnectionLost, Sid + " lost its connection (" + reason + ") and reconnecting is turned off (-MaxReconnectAttempts 0).");
                End(C2SessionState.Disconnected, reason);
                return;
            }
            if (!wasHandshake && _time.GetElapsedTime(link.StartedTicks) > _o.HeartbeatTimeout) link.Attempt = 0;
            UpdateState();
            if (policyRule is PolicyCloseRule rule) _diag.Verbose(Sid + ": " + link + " was closed with PolicyViolation (1008) " + PolicyCloseText(rule, link));
            ScheduleReconnect(link, policyRule.HasValue && policyRule.Value != PolicyCloseRule.Established, null);
        }

        /// <summary>Which 1008 rule applies to the link's connection, closed now (docs/protocol.md §9.2); remembers the close.</summary>
        private PolicyCloseRule JudgePolicyClose(Link link)
        {
            var now = _time.GetTimestamp();
            var connected = link.State == LinkState.Ready;
            var rule = ReconnectPolicy.JudgePolicyClose(connected, connected ? _time.GetElapsedTime(link.ReadyTicks, now) : TimeSpan.Zero, link.MessagesSinceReady > 0,
                link.LastPolicyCloseTicks != 0 ? _time.GetElapsedTime(link.LastPolicyCloseTicks, now) : (TimeSpan?)null);
            link.LastPolicyCloseTicks = now;
            return rule;
        }

        private string PolicyCloseText(PolicyCloseRule rule, Link link)
        {
            var floor = _o.ThrottledReconnectInterval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
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
            link.Attempt++;
            if (_o.MaxReconnectAttempts > 0 && link.Attempt > _o.MaxReconnectAttempts)
            {
                var why = "gave up after " + _o.MaxReconnectAttempts.ToString(CultureInfo.InvariantCulture) + " reconnect attempts (last failure: " + _session.LastError + ")";
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ReconnectFailed, Sid + " " + why + ". Signals published from now on are not received; connect again to resume from the last delivered seq_id.", _session);
                End(C2SessionState.Failed, why);
                return;
            }
            var delay = _backoff.Delay(link.Attempt, throttled, retryAfter);
            Debug(string.Format(CultureInfo.InvariantCulture, "{0}: reconnect attempt {1} of {2} in {3:0.###} s{4}.", Sid, link.Attempt, link, delay.TotalSeconds, throttled ? " (the server asked us to slow down)" : ""));
            link.State = LinkState.Backoff;
            link.Timer = Schedule(delay, new Input(InputKind.ReconnectDue, link, link.Gen));
        }

        /// <summary>connection.connected: the link is usable; send its subscriptions (again).</summary>
        private void OnLinkConnected(Link link)
        {
            if (link.State != LinkState.Handshake) return;
            link.Timer?.Dispose();
            link.Timer = null;
            link.State = LinkState.Ready;
            link.ReadyTicks = _time.GetTimestamp();
            link.MessagesSinceReady = 0;
            var reconnect = link.EverReady;
            link.EverReady = true;
            if (_opening != null && link.Id == 0)
            {
                _session.ConnectedAt = _time.GetUtcNow();
                _session.SetState(C2SessionState.Connected, "connected");
                var open = _opening;
                _opening = null;
                open.TrySetResult(true);
            }
            else if (reconnect)
            {
                _c.Inc(ref _c.Reconnects);
                _diag.Verbose(Sid + ": " + link + " reconnected (reconnect #" + _c.Reconnects.ToString(CultureInfo.InvariantCulture) + ").");
            }
            var streams = _book.On(link);
            link.ResubscribesOutstanding = streams.Count(e => e.EverAcked);
            foreach (var e in streams) SendSubscribe(e, e.EverAcked ? RequestPurpose.Resubscribe : RequestPurpose.User);
            UpdateState();
        }
    }
}
