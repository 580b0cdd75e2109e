using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Threading.Tasks;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>Reconnect and liveness on the fake clock: backoff, throttling, giving up, the watchdog.</summary>
    public class LoopReconnectTests
    {
        private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

        /// <summary>Fires the reconnect timer <paramref name="timer"/>: nothing connects 1 ms before it is due, one attempt when it is.</summary>
        private static async Task FireReconnectAsync(Harness h, TimerRecord timer)
        {
            var before = h.Server.Connects;
            h.Clock.StepTo(timer.FiresAt - Ms);
            await h.SettleAsync();
            Assert.True(before == h.Server.Connects, "a reconnect attempt came before its delay of " + timer.Due + " had elapsed");
            h.Clock.StepTo(timer.FiresAt);
            await h.Server.WaitForConnectsAsync(before + 1);
            Assert.Equal(timer.FiresAt, h.Server.ConnectTimes[before]);
        }

        [Fact]
        public async Task After_a_drop_reconnect_attempts_wait_exponentially_growing_jittered_delays()
        {
            await using var h = await Harness.OpenAsync();
            for (var i = 0; i < 4; i++) h.Server.RefuseNext(C2ConnectFailure.TcpFailed);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();

            var delays = new List<TimeSpan>();
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                var timer = await h.TimerAfterAsync(seen, "reconnect attempt " + attempt + " is scheduled");
                seen = h.Clock.TimerCount;
                Assert.True(timer.IsOneShot, timer.ToString());
                var step = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                // "Equal jitter": between half and all of the exponential step.
                Assert.InRange(timer.Due, TimeSpan.FromTicks(step.Ticks / 2), step);
                delays.Add(timer.Due);
                await FireReconnectAsync(h, timer);
            }

            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "the fifth attempt is accepted");
            Assert.Equal(6, h.Server.Connects);
            Assert.Equal(1, h.Session.Reconnects);
            for (var i = 1; i < delays.Count; i++) Assert.True(delays[i] > delays[i - 1], "delays grow: " + string.Join(", ", delays));
            Assert.Contains(Enumerable.Range(0, delays.Count), i => delays[i] != TimeSpan.FromSeconds(Math.Pow(2, i))); // jittered, not the bare powers of two
        }

        [Fact]
        public async Task Delays_stop_growing_at_the_maximum_interval()
        {
            await using var h = await Harness.OpenAsync(o => o.MaxReconnectInterval = TimeSpan.FromSeconds(4));
            for (var i = 0; i < 5; i++) h.Server.RefuseNext(C2ConnectFailure.ConnectFailed);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            for (var attempt = 1; attempt <= 6; attempt++)
            {
                var timer = await h.TimerAfterAsync(seen, "reconnect attempt " + attempt);
                seen = h.Clock.TimerCount;
                Assert.True(timer.Due <= TimeSpan.FromSeconds(4), "attempt " + attempt + ": " + timer);
                if (attempt >= 4) Assert.InRange(timer.Due, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
                await FireReconnectAsync(h, timer);
            }
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected");
        }

        [Theory]
        [InlineData(C2ConnectFailure.RateLimited, 40.0, 40.0)]     // 429 with Retry-After: at least what the server asked
        [InlineData(C2ConnectFailure.ServiceUnavailable, null, 15.0)] // 503 without it: at least ThrottledReconnectInterval
        public async Task A_throttling_refusal_waits_at_least_what_the_server_asked(C2ConnectFailure failure, double? retryAfterSec, double floorSec)
        {
            await using var h = await Harness.OpenAsync();
            h.Server.RefuseNext(failure, retryAfterSec.HasValue ? TimeSpan.FromSeconds(retryAfterSec.Value) : (TimeSpan?)null);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            var first = await h.TimerAfterAsync(seen, "first reconnect");
            seen = h.Clock.TimerCount;
            await FireReconnectAsync(h, first); // refused

            var throttled = await h.TimerAfterAsync(seen, "the reconnect after the refusal");
            var floor = TimeSpan.FromSeconds(floorSec);
            Assert.True(throttled.Due >= floor, "waited " + throttled.Due + ", less than " + floor);
            h.Clock.StepTo(throttled.CreatedAt + floor - Ms);
            await h.SettleAsync();
            Assert.Equal(2, h.Server.Connects);
            await FireReconnectAsync(h, throttled);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected after the throttle");
        }

        [Fact]
        public async Task A_PolicyViolation_close_of_a_live_connection_is_a_throttle_too()
        {
            await using var h = await Harness.OpenAsync();
            var seen = h.Clock.TimerCount;
            h.Conn.Close(WebSocketCloseStatus.PolicyViolation, "too many connections");
            var timer = await h.TimerAfterAsync(seen, "the reconnect after 1008");
            Assert.True(timer.Due >= h.Options.ThrottledReconnectInterval, timer.ToString());
            await FireReconnectAsync(h, timer);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected");
            Assert.Contains("1008", h.Session.LastError);
        }

        [Fact]
        public async Task MaxReconnectAttempts_gives_up_with_one_ReconnectFailed_error_and_state_Failed()
        {
            await using var h = await Harness.OpenAsync(o => o.MaxReconnectAttempts = 3);
            for (var i = 0; i < 10; i++) h.Server.RefuseNext(C2ConnectFailure.TcpFailed);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                var timer = await h.TimerAfterAsync(seen, "reconnect attempt " + attempt);
                seen = h.Clock.TimerCount;
                await FireReconnectAsync(h, timer);
            }
            await h.UntilAsync(() => h.Session.State == C2SessionState.Failed, "the session gives up");

            h.Clock.Step(TimeSpan.FromMinutes(30));
            await h.SettleAsync();
            Assert.Equal(4, h.Server.Connects);                 // the first connection and 3 attempts, no more
            Assert.Equal(1, h.CountDiagnostics(C2DiagnosticCode.ReconnectFailed, C2DiagnosticLevel.Error));
            Assert.Equal(C2SessionState.Failed, h.States.Last());
            Assert.Equal(1, h.States.Count(s => s == C2SessionState.Failed));
            Assert.True(h.Session.Inbox.IsCompleted, "a reader is told nothing more will come");
        }

        [Fact]
        public async Task One_reconnect_attempt_is_said_in_the_singular()
        {
            await using var h = await Harness.OpenAsync(o => o.MaxReconnectAttempts = 1);
            for (var i = 0; i < 10; i++) h.Server.RefuseNext(C2ConnectFailure.TcpFailed);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            await FireReconnectAsync(h, await h.TimerAfterAsync(seen, "reconnect attempt 1"));
            await h.UntilAsync(() => h.Session.State == C2SessionState.Failed, "the session gives up");
            var error = Assert.Single(h.Diagnostics, d => d.Code == C2DiagnosticCode.ReconnectFailed);
            Assert.Contains("gave up after 1 reconnect attempt (last failure:", error.Message);
        }

        [Fact]
        public async Task MaxReconnectAttempts_0_ends_Disconnected_with_a_warning_and_never_reconnects()
        {
            await using var h = await Harness.OpenAsync(o => o.MaxReconnectAttempts = 0);
            h.Conn.Drop();
            await h.UntilAsync(() => h.Session.State == C2SessionState.Disconnected, "the session ends");
            h.Clock.Step(TimeSpan.FromMinutes(30));
            await h.SettleAsync();
            Assert.Equal(1, h.Server.Connects);
            var warning = Assert.Single(h.Diagnostics, d => d.Level == C2DiagnosticLevel.Warning);
            Assert.Contains("-MaxReconnectAttempts 0", warning.Message);
            Assert.Equal(0, h.CountDiagnostics(C2DiagnosticCode.ReconnectFailed));
        }

        [Fact]
        public async Task An_AuthenticationFailed_refusal_on_reconnect_is_never_retried()
        {
            await using var h = await Harness.OpenAsync();
            h.Server.RefuseNext(C2ConnectFailure.AuthenticationFailed);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            await FireReconnectAsync(h, await h.TimerAfterAsync(seen, "the reconnect"));
            await h.UntilAsync(() => h.Session.State == C2SessionState.Failed, "the key refusal ends the session");

            h.Clock.Step(TimeSpan.FromHours(1));
            await h.SettleAsync();
            Assert.Equal(2, h.Server.Connects);
            var error = Assert.Single(h.Diagnostics, d => d.Code == C2DiagnosticCode.AuthenticationFailed);
            Assert.Equal(C2DiagnosticLevel.Error, error.Level);
            Assert.Equal(C2ConnectFailure.AuthenticationFailed, Assert.IsType<C2ConnectException>(error.Exception).Failure);
        }

        [Fact]
        public async Task Watchdog_frames_keep_the_connection_alive_and_silence_aborts_it_as_presumed_dead()
        {
            await using var h = await Harness.OpenAsync(); // HeartbeatTimeout 45 s (the default)
            var timeout = h.Options.HeartbeatTimeout;
            var first = h.Conn;

            // Four minutes of heartbeats every 20 s: alive.
            for (var i = 0; i < 12; i++)
            {
                h.Clock.Step(TimeSpan.FromSeconds(20));
                first.SendHeartbeat();
                Assert.Equal("heartbeat.ack", (await h.SentAsync(first)).Type);
            }
            Assert.False(first.IsAborted);

            // Then silence: still alive at exactly the timeout, dead within one watchdog period after it.
            h.Clock.Step(timeout);
            await h.SettleAsync();
            Assert.False(first.IsAborted, "aborted at " + timeout + " of silence, not after it");
            var seen = h.Clock.TimerCount;
            h.Clock.Step(TimeSpan.FromTicks(timeout.Ticks / 4) + Ms);
            await first.Aborted.WaitAsync(Units.Wait);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Reconnecting, "the session reconnects");
            Assert.Contains("presumed dead", h.Session.LastError);

            await FireReconnectAsync(h, await h.TimerAfterAsync(seen, "the reconnect after the watchdog"));
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected");
            Assert.NotSame(first, h.Conn);
        }
        [Fact]
        public async Task Watchdog_aims_at_the_deadline_a_silent_connection_is_aborted_just_past_HeartbeatTimeout_not_a_quarter_later()
        {
            await using var h = await Harness.OpenAsync(); // HeartbeatTimeout 45 s (the default)
            var timeout = h.Options.HeartbeatTimeout;
            var first = h.Conn;
            h.Clock.Step(TimeSpan.FromSeconds(20));
            first.SendHeartbeat();
            Assert.Equal("heartbeat.ack", (await h.SentAsync(first)).Type);

            // The last message came at 20 s: alive 1 ms before the timeout, aborted 1 ms after it (a watchdog ticking
            // every quarter of the timeout from the open would first look at 67.5 s).
            h.Clock.Step(timeout - Ms);
            await h.SettleAsync();
            Assert.False(first.IsAborted, "aborted before " + timeout + " of silence");
            h.Clock.Step(Ms + Ms);
            await first.Aborted.WaitAsync(Units.Wait);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Reconnecting, "the session reconnects");
            Assert.Contains("presumed dead", h.Session.LastError);
        }

        [Fact]
        public async Task A_reconnect_whose_server_never_sends_connection_connected_is_aborted_after_ConnectTimeout_and_retried()
        {
            await using var h = await Harness.OpenAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(10));
            h.Server.AcceptNext(sendConnected: false);
            var seen = h.Clock.TimerCount;
            var first = h.Conn;
            h.Conn.Drop();
            await FireReconnectAsync(h, await h.TimerAfterAsync(seen, "the reconnect"));
            var mute = h.Conn;
            Assert.NotSame(first, mute);
            await mute.Reading;
            await h.SettleAsync();

            seen = h.Clock.TimerCount;
            h.Clock.Step(TimeSpan.FromSeconds(10) - Ms);
            await h.SettleAsync();
            Assert.False(mute.IsAborted, "aborted before ConnectTimeout");
            h.Clock.Step(Ms);
            await mute.Aborted.WaitAsync(Units.Wait);
            var retry = await h.TimerAfterAsync(seen, "the reconnect after the handshake deadline");
            Assert.Contains("connection.connected", h.Session.LastError);
            await FireReconnectAsync(h, retry);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "the next attempt connects");
            Assert.Equal(3, h.Server.Connects);
        }

        [Fact]
        public async Task Closing_the_session_closes_with_1000_and_stops_every_timer()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            var conn = h.Conn;
            await h.Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait);
            await conn.ClientClosed.WaitAsync(Units.Wait);
            Assert.Equal(C2SessionState.Disconnected, h.Session.State);
            Assert.Equal(C2SubscriptionState.Closed, sub.State);
            h.Clock.Step(TimeSpan.FromHours(1));
            Assert.Equal(1, h.Server.Connects);
            Assert.Equal(new[] { C2SessionState.Connected, C2SessionState.Disconnected }, h.States);
            Assert.Equal(0, h.CountDiagnostics(C2DiagnosticCode.ReconnectFailed));
            // The watchdog (the one periodic timer) is disposed with the session: nothing posts to a closed loop.
            var periodic = h.Clock.Timers.Where(t => !t.IsOneShot).ToList();
            Assert.NotEmpty(periodic);
            Assert.All(periodic, t => Assert.True(t.Disposed, "still running: " + t));
        }

        [Fact]
        public async Task Closing_during_a_reconnect_backoff_cancels_the_reconnect()
        {
            await using var h = await Harness.OpenAsync();
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            var reconnect = await h.TimerAfterAsync(seen, "the reconnect is scheduled");
            await h.Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait);
            h.Clock.StepTo(reconnect.FiresAt + TimeSpan.FromHours(1));
            Assert.Equal(1, h.Server.Connects);
            Assert.Equal(C2SessionState.Disconnected, h.Session.State);
        }
        [Fact]
        public async Task A_connection_that_lived_past_HeartbeatTimeout_starts_the_backoff_over_and_a_flapping_one_does_not()
        {
            await using var h = await Harness.OpenAsync();
            async Task<TimerRecord> DropAsync()
            {
                var seen = h.Clock.TimerCount;
                h.Conn.Drop();
                return await h.TimerAfterAsync(seen, "the reconnect after a drop");
            }
            async Task ReconnectAsync(TimerRecord timer)
            {
                await FireReconnectAsync(h, timer);
                await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected");
            }

            var first = await DropAsync();
            Assert.InRange(first.Due, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
            await ReconnectAsync(first);
            var flap = await DropAsync();                   // dropped again at once: the next step
            Assert.InRange(flap.Due, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
            await ReconnectAsync(flap);

            for (var i = 0; i < 3; i++)                     // a minute of a healthy connection
            {
                h.Clock.Step(TimeSpan.FromSeconds(20));
                h.Conn.SendHeartbeat();
                await h.SentAsync();
            }
            var fresh = await DropAsync();
            Assert.InRange(fresh.Due, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
            await ReconnectAsync(fresh);
            Assert.Equal(3, h.Session.Reconnects);
        }
    }
}
