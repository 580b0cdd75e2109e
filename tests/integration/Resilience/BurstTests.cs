using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests
{
    /// <summary>Replays without a ceiling: bursts and outages beyond the server's 1,000-signal replay are paged, never gaps.</summary>
    public class BurstTests
    {
        private readonly ITestOutputHelper _out;
        public BurstTests(ITestOutputHelper output) { _out = output; }

        private static async Task ExpectInOrderAsync(C2Session s, long strategy, long from, long to)
        {
            for (var expected = from; expected <= to; expected++)
            {
                InboxItem item;
                try { item = await Sim.NextItemAsync(s); }
                catch (TimeoutException ex) { throw new TimeoutException("waited for seq " + expected + " of " + strategy + "; pages " + s.ReplayPages + ". " + ex.Message, ex); }
                if (item.Gap != null) throw new Xunit.Sdk.XunitException("unexpected loss report: " + item.Gap + " " + item.Gap.Message);
                var m = item.Message!;
                Assert.Equal(strategy, m.StrategyId);
                Assert.Equal(expected, m.SeqId);
                s.MarkProcessed(m);
            }
        }

        [Fact]
        public async Task A_50000_signal_burst_into_a_default_session_read_late_is_delivered_once_in_order_without_a_gap()
        {
            await using var sim = await Sim.StartFastAsync(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.HeartbeatGrace = TimeSpan.FromSeconds(30); });
            using var s = await Sim.OpenAsync(sim, o => { o.InboxCapacity = 10_000; o.HeartbeatTimeout = TimeSpan.FromSeconds(60); });
            await Sim.SubscribeAsync(s, 71);
            var started = DateTime.UtcNow;
            sim.PublishSignals(71, 50_000);
            // The reader starts late: only once the inbox is full and the rest was set aside.
            await Sim.UntilAsync(s, () => s.InboxOverflows > 0 && s.InboxCount == 10_000, "the inbox to fill up", TimeSpan.FromSeconds(60));
            await ExpectInOrderAsync(s, 71, 1, 50_000);
            _out.WriteLine($"50,000 in {(DateTime.UtcNow - started).TotalSeconds:0.0} s; replay pages {s.ReplayPages}, refetched {s.MessagesRefetched}, duplicates {s.DuplicatesDropped}");
            Assert.True(s.ReplayPages >= 39, "pages " + s.ReplayPages);
            Assert.DoesNotContain(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Error);
        }

        [Fact]
        public async Task A_burst_released_at_once_to_a_reader_already_waiting_arrives_once_in_order()
        {
            // The socket holds the whole burst, and a reader waits for it: the receive pump hands full batches to another
            // thread while it reads on (issue 26), and the reader takes every signal once, in order, with nothing set aside.
            await using var sim = await Sim.StartFastAsync(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.HeartbeatGrace = TimeSpan.FromSeconds(30); });
            using var s = await Sim.OpenAsync(sim, o => { o.InboxCapacity = 40_000; o.HeartbeatTimeout = TimeSpan.FromSeconds(60); });
            await Sim.SubscribeAsync(s, 72);
            var reading = Task.Run(() => ExpectInOrderAsync(s, 72, 1, 20_000));
            sim.PausePublishing();
            sim.PublishSignals(72, 20_000);
            sim.ResumePublishing();
            await reading.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, s.DuplicatesDropped);
            Assert.Equal(0, s.InboxOverflows);
            Assert.Equal(0, s.InboxCount);
            Assert.DoesNotContain(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Error || d.Level == C2DiagnosticLevel.Warning);
        }

        [Fact]
        public async Task Signals_published_during_an_outage_beyond_1000_are_all_delivered_after_the_reconnect()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 72);
            sim.PublishSignal(72);
            await ExpectInOrderAsync(s, 72, 1, 1);
            sim.RejectNextHandshakes(2, 503);
            sim.DropAllConnections();
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Reconnecting, "the outage");
            sim.PublishSignals(72, 5_000);
            await ExpectInOrderAsync(s, 72, 2, 5_001);
            Assert.Equal(4, s.ReplayPages);                // 1000 + 1000 + 1000 + 1000 + 1000: four gaps, five pages
            sim.PublishSignal(72);
            await ExpectInOrderAsync(s, 72, 5_002, 5_002);
            Assert.DoesNotContain(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Error);
        }

        [Fact]
        public async Task An_unread_stream_never_pushes_a_read_stream_into_overflow_and_its_own_overflow_is_reported_as_its()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim, o => o.InboxCapacity = 50);
            await Sim.SubscribeAsync(s, 73);               // A: read
            await Sim.SubscribeAsync(s, 74);               // B: never read
            sim.PublishSignals(74, 200);                   // B far past its 50
            sim.PublishSignals(73, 40);
            await Sim.UntilAsync(s, () => s.InboxOverflows > 0, "B to overflow");
            var a = new StreamKey(Channels.Signal, 73);
            for (var i = 1; i <= 40; i++)
            {
                var m = await Sim.NextAsync(s, filter: k => k == a);
                Assert.Equal(i, m.SeqId);
            }
            sim.PublishSignals(73, 40);                    // A keeps flowing while B stays full
            for (var i = 41; i <= 80; i++) Assert.Equal(i, (await Sim.NextAsync(s, filter: k => k == a)).SeqId);
            var subA = s.Subscriptions.Single(x => x.StrategyId == 73);
            Assert.Equal(0, subA.Resubscribes);            // A never entered recovery
            var overflow = Assert.Single(s.DrainDiagnostics(), d => d.Code == C2DiagnosticCode.InboxOverflow);
            Assert.Contains("strategy.signal:74", overflow.Message);
            Assert.Same(s.Subscriptions.Single(x => x.StrategyId == 74), overflow.Target);
            // B, read at last, loses nothing: what was set aside is fetched again.
            var b = new StreamKey(Channels.Signal, 74);
            for (var i = 1; i <= 200; i++) Assert.Equal(i, (await Sim.NextAsync(s, filter: k => k == b)).SeqId);
        }
    }
}
