using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>Streams through the loop: a full inbox fetched again, replay pages and what cannot be replayed.</summary>
    public class LoopStreamTests
    {
        [Fact]
        public async Task A_full_inbox_sets_signals_aside_and_fetches_them_again_once_the_reader_made_room()
        {
            const int published = 12;
            await using var h = await Harness.OpenAsync(o => o.InboxCapacity = 4);
            await h.SubscribeAckedAsync(42);
            var conn = h.Conn;

            // The server: acknowledges every request and answers each subscribe with the replay after its resume_from.
            var resumes = new List<long>();
            using var stop = new CancellationTokenSource();
            var server = Task.Run(async () =>
            {
                while (true)
                {
                    ClientMessage m;
                    try { m = await conn.NextClientMessageAsync(Units.Wait, stop.Token); }
                    catch (OperationCanceledException) { return; }
                    conn.SendAck(m);
                    if (m.Action != "subscribe") continue;
                    var from = long.Parse(m.ResumeFrom.GetString()!, CultureInfo.InvariantCulture);
                    lock (resumes) resumes.Add(from);
                    for (var seq = from + 1; seq <= published; seq++) conn.SendSignal(42, seq);
                }
            });

            var before = h.Session.MessagesReceived;
            for (var seq = 1; seq <= published; seq++) conn.SendSignal(42, seq);
            await h.UntilAsync(() => h.Session.MessagesReceived == before + published, "the loop has seen every signal before anything is read");
            Assert.Equal(4, h.Session.InboxCount);
            Assert.Equal(1, h.Session.InboxOverflows);
            var received = new List<long>();
            for (var i = 0; i < published; i++) received.Add((await Sim.NextAsync(h.Session, Units.Wait)).SeqId!.Value);
            stop.Cancel();
            await server;

            Assert.Equal(Enumerable.Range(1, published).Select(i => (long)i), received); // each once, in order
            await h.SettleAsync();
            Assert.Equal(0, h.Session.InboxCount);
            lock (resumes)
            {
                Assert.NotEmpty(resumes);
                Assert.Equal(4, resumes[0]);                // fetched from the last one queued before the inbox was full
            }
            Assert.Equal(1, h.CountDiagnostics(C2DiagnosticCode.InboxOverflow, C2DiagnosticLevel.Warning)); // warned once
            Assert.DoesNotContain(h.Diagnostics, d => d.Level == C2DiagnosticLevel.Error);
        }

        [Fact]
        public async Task Messages_of_a_burst_share_the_time_they_arrived_and_a_later_burst_has_its_own()
        {
            // The loop reads the clock once per batch (issue 26): a cached time must never outlive its batch.
            await using var h = await Harness.OpenAsync();
            await h.SubscribeAckedAsync(42);
            var conn = h.Conn;
            var before = h.Session.MessagesReceived;
            for (var seq = 1; seq <= 5; seq++) conn.SendSignal(42, seq);
            await h.UntilAsync(() => h.Session.MessagesReceived == before + 5, "the first burst was handled");
            var at1 = h.Clock.GetUtcNow();
            h.Clock.Step(TimeSpan.FromSeconds(7));
            for (var seq = 6; seq <= 10; seq++) conn.SendSignal(42, seq);

            var received = new List<C2StreamMessage>();
            for (var i = 0; i < 10; i++) received.Add(await Sim.NextAsync(h.Session, Units.Wait));
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), received.Select(m => m.SeqId!.Value));
            Assert.All(received.Take(5), m => Assert.Equal(at1, m.ReceivedAt));
            Assert.All(received.Skip(5), m => Assert.Equal(at1 + TimeSpan.FromSeconds(7), m.ReceivedAt));
        }

        [Fact]
        public async Task A_gap_after_a_replay_page_fetches_the_next_page_and_a_page_that_adds_nothing_is_reported_with_its_range()
        {
            await using var h = await Harness.OpenAsync();
            var task = h.Session.SubscribeAsync(Channels.Signal, 42, 5, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var conn = h.Conn;
            var first = await h.SentAsync(conn);
            Assert.Equal("5", first.ResumeFrom.GetString());
            conn.SendAck(first);
            await task.WaitAsync(Units.Wait);
            for (var seq = 6; seq <= 8; seq++) conn.SendSignal(42, seq);
            conn.SendGap("strategy.signal:42", "5");

            var unsubscribe = await h.SentAsync(conn);
            Assert.Equal("unsubscribe", unsubscribe.Action);
            var page = await h.SentAsync(conn);
            Assert.Equal("subscribe", page.Action);
            Assert.Equal("8", page.ResumeFrom.GetString());
            conn.SendAck(unsubscribe);
            conn.SendAck(page);
            conn.SendGap("strategy.signal:42", "8");       // the next page adds nothing: the server cannot replay more
            conn.SendSignal(42, 2000);                     // live again

            for (var seq = 6; seq <= 8; seq++) Assert.Equal(seq, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            var gap = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(gap);
            Assert.Equal(C2DeliveryProblem.ReplayLimitExceeded, gap!.Problem);
            Assert.Equal(8, gap.AfterSeqId);
            Assert.Equal(2000, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(2000, gap.BeforeSeqId);            // the upper bound, known from the next delivered signal
            Assert.Equal("Replay limit of 1000 messages exceeded", gap.ServerMessage);
            Assert.Equal(1, h.Session.ReplayPages);
            await h.SettleAsync();
            Assert.False(conn.TryTakeClientMessage(out var extra), "no third page: " + extra);
        }

        [Fact]
        public async Task A_gap_is_held_until_the_next_message_gives_its_upper_bound_so_the_reader_never_sees_it_open()
        {
            // The gap-first branch of a retention hole: the server says gap, then replays from the oldest it holds. A reader
            // that took the gap between the two would have had only "upper bound not yet known" (and a notice the loop
            // went on writing): the notice waits in the loop for the next message, and both are queued together.
            await using var h = await Harness.OpenAsync();
            await h.SubscribeAckedAsync(42, resumeFrom: 100);
            var conn = h.Conn;
            await h.ServerSendsAsync(1, () => conn.SendGap("strategy.signal:42", "100"));
            Assert.Equal(0, h.Session.Inbox.ItemHint);         // nothing for a reader yet: the range has no upper bound

            conn.SendSignal(42, 301);
            var gap = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(gap);
            Assert.Equal(C2DeliveryProblem.ReplayLimitExceeded, gap!.Problem);
            Assert.Equal(100, gap.AfterSeqId);
            Assert.Equal(301, gap.BeforeSeqId);                 // known when the reader takes it, not set later
            Assert.Equal(301, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
        }

        [Fact]
        public async Task A_gap_the_stream_says_nothing_after_is_reported_open_once_the_hold_has_passed_and_never_changes_after()
        {
            await using var h = await Harness.OpenAsync();
            await h.SubscribeAckedAsync(42, resumeFrom: 100);
            var conn = h.Conn;
            var timers = h.Clock.TimerCount;
            conn.SendGap("strategy.signal:42", "100");
            var hold = await h.TimerAfterAsync(timers, "the session holds the gap for its upper bound");
            Assert.Equal(StreamDelivery.GapBoundWait, hold.Due);
            Assert.Equal(0, h.Session.Inbox.ItemHint);

            h.Clock.Step(StreamDelivery.GapBoundWait);
            var gap = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(gap);
            Assert.Equal(100, gap!.AfterSeqId);
            Assert.Null(gap.BeforeSeqId);                       // said as open: up to the next delivered message

            conn.SendSignal(42, 301);                           // arrives later: delivered, and the notice already read stays as read
            Assert.Equal(301, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Null(gap.BeforeSeqId);
        }

        [Fact]
        public async Task Replayed_duplicates_are_dropped_and_a_restarted_sequence_is_backfilled_from_its_start()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            var conn = h.Conn;
            for (var seq = 1; seq <= 3; seq++) conn.SendSignal(42, seq);
            conn.SendSignal(42, 2);                        // the same message again
            await h.UntilAsync(() => h.Session.DuplicatesDropped == 1, "the duplicate is dropped");

            // The server's sequence restarts above 1 with new message ids: the session asks for it from its start.
            conn.Push("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_new_2\",\"seq_id\":2,\"timestamp\":\"" + ServerConnection.Iso(h.Clock.GetUtcNow()) + "\",\"payload\":{\"strategy_id\":42}}");
            var unsubscribe = await h.SentAsync(conn);
            Assert.Equal("unsubscribe", unsubscribe.Action);
            var backfill = await h.SentAsync(conn);
            Assert.Equal("1", backfill.ResumeFrom.GetString());
            Assert.Equal(1, h.CountDiagnostics(C2DiagnosticCode.SequenceAnomaly, C2DiagnosticLevel.Warning));
            for (var seq = 1; seq <= 3; seq++) Assert.Equal(seq, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(1, h.Session.SequenceAnomalies);
        }
        [Fact]
        public async Task A_positions_loss_nothing_ends_is_reported_open_after_the_hold_and_never_changes_after()
        {
            await using var h = await Harness.OpenAsync(o => o.InboxCapacity = 2);
            await h.SubscribeAckedAsync(42, Channels.Positions);
            var timers = h.Clock.TimerCount;
            await h.ServerSendsAsync(4, () => { for (var seq = 1; seq <= 4; seq++) h.Conn.SendPosition(42, seq); });
            var hold = await h.TimerAfterAsync(timers, "the session holds the loss for the update that ends it");
            Assert.Equal(StreamDelivery.GapBoundWait, hold.Due);

            h.Clock.Step(StreamDelivery.GapBoundWait);
            Assert.Equal(1, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(2, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            var loss = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(loss);
            Assert.Equal(2, loss!.Count);
            Assert.Null(loss.BeforeSeqId);                 // open: nothing has ended it

            h.Conn.SendPosition(42, 5);                    // fits again (the lane was read): delivered, the report read stays as read
            Assert.Equal(5, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(2, loss.Count);
            Assert.Null(loss.BeforeSeqId);
        }

        [Fact]
        public async Task Position_updates_that_do_not_fit_are_reported_as_one_loss_with_its_count_and_range()
        {
            await using var h = await Harness.OpenAsync(o => o.InboxCapacity = 2);
            await h.SubscribeAckedAsync(42, Channels.Positions);
            var before = h.Session.MessagesReceived;
            for (var seq = 1; seq <= 5; seq++) h.Conn.SendPosition(42, seq);
            await h.UntilAsync(() => h.Session.MessagesReceived == before + 5, "the loop has seen every update before anything is read");
            await h.SettleAsync();

            Assert.Equal(1, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(2, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(0, h.Session.Inbox.ItemHint);      // the loss is held until an update ends it: never read half-counted

            h.Conn.SendPosition(42, 6);                    // room again: the loss ends here
            var loss = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(loss);
            Assert.Equal(C2DeliveryProblem.InboxOverflow, loss!.Problem);
            Assert.Equal(Channels.Positions, loss.Channel);
            Assert.Equal(2, loss.AfterSeqId);
            Assert.Equal(3, loss.Count);                   // the three refused updates, in one report
            Assert.Equal(6, loss.BeforeSeqId);             // whole when read, not finished later
            Assert.Equal("seq_id > 2 and < 6", loss.Range);
            Assert.Equal(6, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
            Assert.Equal(3, h.Session.InboxOverflows);
            Assert.False(h.Server.Current!.TryTakeClientMessage(out var sent), "positions are never fetched again: " + sent);
        }
    }
}
