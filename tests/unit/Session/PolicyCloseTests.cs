using System;
using System.Linq;
using System.Net.WebSockets;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// A PolicyViolation (1008) close: the connect race of docs/protocol.md §9.2 (right after the upgrade) and a repeated
    /// one are throttled; a 1008 close of an established connection reconnects at the normal backoff (issue 24, 1a).
    /// </summary>
    public class PolicyCloseTests
    {
        private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

        [Fact]
        public void Before_connection_connected_a_1008_close_is_the_connect_race()
        {
            Assert.Equal(PolicyCloseRule.ConnectRace, ReconnectPolicy.JudgePolicyClose(false, TimeSpan.Zero, false, null));
            Assert.Equal(PolicyCloseRule.ConnectRace, ReconnectPolicy.JudgePolicyClose(false, TimeSpan.Zero, true, TimeSpan.FromHours(1)));
        }

        [Fact]
        public void Within_the_race_window_after_connection_connected_with_nothing_else_heard_it_is_the_connect_race()
        {
            var justInside = ReconnectPolicy.RaceWindow - TimeSpan.FromMilliseconds(1);
            Assert.Equal(PolicyCloseRule.ConnectRace, ReconnectPolicy.JudgePolicyClose(true, justInside, false, null));
            // Heard something (an ack, a heartbeat, data): the connection was established, however young.
            Assert.Equal(PolicyCloseRule.Established, ReconnectPolicy.JudgePolicyClose(true, justInside, true, null));
            // Older than the window: established, even if it heard nothing.
            Assert.Equal(PolicyCloseRule.Established, ReconnectPolicy.JudgePolicyClose(true, ReconnectPolicy.RaceWindow, false, null));
        }

        [Fact]
        public void A_second_1008_close_within_a_minute_is_throttled_and_one_after_a_minute_is_not()
        {
            var established = TimeSpan.FromMinutes(5);
            Assert.Equal(PolicyCloseRule.Repeated, ReconnectPolicy.JudgePolicyClose(true, established, true, TimeSpan.FromSeconds(59)));
            Assert.Equal(PolicyCloseRule.Established, ReconnectPolicy.JudgePolicyClose(true, established, true, ReconnectPolicy.RepeatWindow));
            Assert.Equal(PolicyCloseRule.Established, ReconnectPolicy.JudgePolicyClose(true, established, true, null));
        }

        // ----- the session on the fake clock --------------------------------------------------------------

        /// <summary>A session with a subscription that has streamed for a while: established.</summary>
        private static async Task<Harness> StreamingAsync()
        {
            var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            for (var seq = 1; seq <= 3; seq++) h.Conn.SendSignal(42, seq);
            await h.UntilAsync(() => sub.LastSeqId == 3, "three signals queued");
            h.Clock.Step(TimeSpan.FromSeconds(5));
            return h;
        }

        private static async Task<TimerRecord> CloseWith1008Async(Harness h)
        {
            var seen = h.Clock.TimerCount;
            h.Conn.Close(WebSocketCloseStatus.PolicyViolation, "policy");
            return await h.TimerAfterAsync(seen, "the reconnect after 1008");
        }

        [Fact]
        public async Task A_1008_close_of_an_established_streaming_connection_reconnects_at_the_normal_backoff_and_says_so()
        {
            await using var h = await StreamingAsync();
            var timer = await CloseWith1008Async(h);
            Assert.InRange(timer.Due, TimeSpan.FromSeconds(0.5), h.Options.ReconnectInterval); // attempt 1 of the normal backoff
            Assert.Contains(h.Diagnostics, d => d.Level == C2DiagnosticLevel.Verbose && d.Message.Contains("PolicyViolation (1008) after it was established") && d.Message.Contains("normal backoff"));

            h.Clock.StepTo(timer.FiresAt);
            await h.Server.WaitForConnectsAsync(2);
            Assert.Equal("subscribe", (await h.SentAsync()).Action);   // resubscribed on the new connection
        }

        [Fact]
        public async Task A_second_1008_close_within_a_minute_waits_the_throttled_interval_and_says_why()
        {
            await using var h = await StreamingAsync();
            var first = await CloseWith1008Async(h);
            h.Clock.StepTo(first.FiresAt);
            await h.Server.WaitForConnectsAsync(2);
            var resubscribe = await h.SentAsync();
            h.Conn.SendAck(resubscribe);
            h.Conn.SendSignal(42, 3);                           // the resume's witness: the position holds
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "reconnected and resubscribed");
            await h.SettleAsync();
            h.Clock.Step(TimeSpan.FromSeconds(30));            // established again, well inside the minute

            var second = await CloseWith1008Async(h);
            Assert.True(second.Due >= h.Options.ThrottledReconnectInterval, second.ToString());
            Assert.Contains(h.Diagnostics, d => d.Level == C2DiagnosticLevel.Verbose && d.Message.Contains("for the second time within a minute"));
        }

        [Fact]
        public async Task A_1008_close_right_after_connection_connected_is_the_connect_race_and_waits_the_throttled_interval()
        {
            await using var h = await StreamingAsync();
            h.Server.AcceptNext();                              // the reconnect: connection.connected, then 1008 at once
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            var reconnect = await h.TimerAfterAsync(seen, "the reconnect after the drop");
            h.Clock.StepTo(reconnect.FiresAt);
            await h.Server.WaitForConnectsAsync(2);
            Assert.Equal("subscribe", (await h.SentAsync()).Action); // connection.connected handled: it resubscribed
            h.Clock.Step(ReconnectPolicy.RaceWindow - TimeSpan.FromMilliseconds(1));

            var raced = await CloseWith1008Async(h);
            Assert.True(raced.Due >= h.Options.ThrottledReconnectInterval, raced.ToString());
            Assert.Contains(h.Diagnostics, d => d.Level == C2DiagnosticLevel.Verbose && d.Message.Contains("the connect race"));
        }

        [Fact]
        public async Task A_1008_close_before_connection_connected_on_a_reconnect_waits_the_throttled_interval()
        {
            await using var h = await StreamingAsync();
            h.Server.AcceptNext(sendConnected: false);
            var seen = h.Clock.TimerCount;
            h.Conn.Drop();
            var reconnect = await h.TimerAfterAsync(seen, "the reconnect after the drop");
            h.Clock.StepTo(reconnect.FiresAt);
            await h.Server.WaitForConnectsAsync(2);
            await h.Conn.Reading;
            await h.SettleAsync();

            var raced = await CloseWith1008Async(h);
            Assert.True(raced.Due >= h.Options.ThrottledReconnectInterval, raced.ToString());
            Assert.Single(h.Diagnostics, d => d.Message.Contains("the connect race"));
        }
    }
}
