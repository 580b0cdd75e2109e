using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests
{
    public class ResilienceTests
    {
        private const string Connect = "Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -HeartbeatTimeoutSec 2 -ReconnectIntervalSec 0.02";

        [Fact]
        public async Task A_consumer_that_blocks_for_many_heartbeat_periods_misses_no_ack()
        {
            await using var sim = await Sim.StartFastAsync(); // heartbeat every 100 ms, closed 1 s after a missed ack
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            for (var i = 0; i < 3; i++) sim.PublishSignal(5);
            var acksBefore = sim.Stats.HeartbeatAcksReceived;
            // The consumer blocks 1.5 s per object (15 heartbeat periods): blocking is the behaviour under test.
            var r = sh.Run("Receive-C2Signal -Count 3 -TimeoutSec 30 | ForEach-Object { [System.Threading.Thread]::Sleep(1500); $_.SeqId }");
            r.ThrowIfFailed();
            Assert.Equal(new object[] { 1L, 2L, 3L }, r.Output.Select(o => o.BaseObject).ToArray());
            Assert.Equal(0, sim.Stats.ConnectionsClosedForMissedAck);
            Assert.True(sim.Stats.HeartbeatAcksReceived - acksBefore >= 30, "acks during 4.5 s of blocking: " + (sim.Stats.HeartbeatAcksReceived - acksBefore));
            Assert.Equal(0L, (long)sh.Run("(Get-C2Session).Reconnects").Output.Single().BaseObject);
        }

        [Fact]
        public async Task A_replay_over_1000_is_paged_to_the_end_with_no_loss_and_no_error()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.PublishSignals(77, 2501);                  // seq 1..2501; the client last processed seq 1
            using var sh = new PsShell();
            sh.Run("$s = " + Connect + "; Add-C2Subscription -StrategyId 77 -ResumeFrom 1 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            var session = (C2Session)sh.Run("$s").Output.Single().BaseObject;
            await Sim.UntilAsync(session, () => session.InboxCount == 2500, "the three replay pages to arrive");
            var live = sim.PublishSignal(77);             // seq 2502, after the last page
            var r = sh.Run("Receive-C2Signal -Count 2501 -TimeoutSec 30 | ForEach-Object SeqId");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal(Enumerable.Range(2, 2500).Select(i => (long)i).Concat(new[] { live }), r.Output.Select(o => (long)o.BaseObject));
            Assert.Equal(2, sim.Stats.GapsSent);           // two pages ended with a gap; the third reached the end
            Assert.Equal(2, session.ReplayPages);
        }

        [Fact]
        public async Task A_server_that_stops_replaying_gives_one_error_with_the_exact_range()
        {
            await using var sim = await Sim.StartFastAsync(o => o.ReplayLimit = 0);
            sim.PublishSignals(77, 30);
            using var sh = new PsShell();
            sh.Run("$s = " + Connect + "; Add-C2Subscription -StrategyId 77 -ResumeFrom 10 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            var session = (C2Session)sh.Run("$s").Output.Single().BaseObject;
            await sim.WaitForAsync(x => x.Stats.GapsSent >= 1, Sim.Wait);
            var live = sim.PublishSignal(77);             // seq 31
            // Read once the live signal is queued: the record's text then carries the range's upper bound too (a record
            // written before it says the bound is not yet known; its C2DeliveryGap target gets it when it arrives).
            await Sim.UntilAsync(session, () => session.InboxCount == 1, "the live signal after the gap");
            var r = sh.Run("Receive-C2Signal -Count 1 -TimeoutSec 30 | ForEach-Object SeqId");
            Assert.Equal(new[] { live }, r.Output.Select(o => (long)o.BaseObject));
            var gap = Assert.Single(r.Errors);
            Assert.Equal("C2ReplayGap,C2WebSocket.Commands.ReceiveC2SignalCommand", gap.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, gap.CategoryInfo.Category);
            var target = Assert.IsType<C2DeliveryGap>(gap.TargetObject);
            Assert.Equal(77, target.StrategyId);
            Assert.Equal(10, target.AfterSeqId);
            Assert.Equal(live, target.BeforeSeqId);
            Assert.Contains("seq_id > 10 and < 31", gap.ToString());
            Assert.Contains("Replay limit of 0 messages exceeded", gap.ToString());
            Assert.Equal(1, sim.Stats.GapsSent);           // one page that added nothing: no more asked
        }

        [Fact]
        public async Task A_half_open_connection_is_detected_and_recovered_without_loss()
        {
            await using var sim = await Sim.StartFastAsync();
            var states = new List<C2SessionState>();
            using var s = await Sim.OpenAsync(sim, o => o.HeartbeatTimeout = TimeSpan.FromMilliseconds(1500));
            s.StateChanged += (_, e) => { lock (states) states.Add(e.State); };
            await Sim.SubscribeAsync(s, 5);
            sim.PublishSignal(5);
            Assert.Equal(1, (await Sim.NextAsync(s)).SeqId);

            sim.Freeze();                                  // the TCP connection stays open; nothing flows
            sim.PublishSignal(5);
            sim.PublishSignal(5);
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Reconnecting, "the client to notice the silence");
            Assert.Contains("presumed dead", s.LastError);
            sim.Unfreeze();
            Assert.Equal(2, (await Sim.NextAsync(s)).SeqId);
            Assert.Equal(3, (await Sim.NextAsync(s)).SeqId);
            // At least one reconnect (a starved machine may miss 15 heartbeats in a row once more, and recover again).
            Assert.True(s.Reconnects >= 1);
            lock (states) Assert.Equal(new[] { C2SessionState.Reconnecting, C2SessionState.Connected }, states.Take(2));
        }

        [Fact]
        public async Task A_refused_key_on_reconnect_is_not_retried()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            sim.RejectNextHandshakes(100, 401);
            var rejectedBefore = sim.Stats.HandshakesRejected;
            sim.DropAllConnections();
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Failed, "the session to fail");
            Assert.Equal(1, sim.Stats.HandshakesRejected - rejectedBefore);
            var err = s.DrainDiagnostics().Single(d => d.Level == C2DiagnosticLevel.Error);
            Assert.Equal(C2DiagnosticCode.AuthenticationFailed, err.Code);
            Assert.True(s.Inbox.IsCompleted);
        }

        [Fact]
        public async Task MaxReconnectAttempts_bounds_the_retries_and_0_turns_reconnect_off()
        {
            await using var sim = await Sim.StartFastAsync();
            using var bounded = await Sim.OpenAsync(sim, o => o.MaxReconnectAttempts = 3);
            using var off = await Sim.OpenAsync(sim, o => o.MaxReconnectAttempts = 0);
            sim.RejectNextHandshakes(100, 503);
            var before = sim.Stats.HandshakesRejected;
            sim.DropAllConnections();
            await Sim.UntilAsync(bounded, () => bounded.State == C2SessionState.Failed && off.State == C2SessionState.Disconnected, "both sessions to give up");
            Assert.Equal(3, sim.Stats.HandshakesRejected - before);
            var err = bounded.DrainDiagnostics().Single(d => d.Level == C2DiagnosticLevel.Error);
            Assert.Equal(C2DiagnosticCode.ReconnectFailed, err.Code);
            Assert.Contains("3 reconnect attempts", err.Message);
            Assert.Contains(off.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Warning && d.Message.Contains("reconnecting is turned off"));
        }

        [Fact]
        public void Backoff_doubles_with_jitter_and_throttling_waits_at_least_Retry_After()
        {
            var b = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), seed: 7);
            for (var attempt = 1; attempt <= 10; attempt++)
            {
                var full = Math.Min(Math.Pow(2, attempt - 1), 60);
                var d = b.Delay(attempt, false, null).TotalSeconds;
                Assert.InRange(d, full / 2, full);
            }
            Assert.True(b.Delay(1, true, null) >= TimeSpan.FromSeconds(15));
            Assert.True(b.Delay(1, true, TimeSpan.FromSeconds(42)) >= TimeSpan.FromSeconds(42));
            var distinct = Enumerable.Range(0, 20).Select(_ => b.Delay(5, false, null)).Distinct().Count();
            Assert.True(distinct > 10, "jitter spreads the delays");
        }

        [Fact]
        public async Task Retry_After_from_a_429_is_honoured_on_reconnect()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim, o => o.ThrottledReconnectInterval = TimeSpan.Zero);
            sim.RejectNextHandshakes(1, 429, TimeSpan.FromSeconds(1));
            sim.DropAllConnections();
            await sim.WaitForAsync(x => x.Stats.HandshakesRejected == 1, Sim.Wait);
            var rejectedAt = DateTime.UtcNow;
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Connected && s.Reconnects == 1, "the reconnect");
            Assert.True(DateTime.UtcNow - rejectedAt >= TimeSpan.FromSeconds(0.9), "reconnected " + (DateTime.UtcNow - rejectedAt).TotalMilliseconds + " ms after a Retry-After of 1 s");
            Assert.Contains(s.DrainDiagnostics(), d => d.Message.Contains("asked us to slow down"));
        }

        [Fact]
        public async Task A_full_inbox_sets_signals_aside_and_fetches_them_again_in_order()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim, o => o.InboxCapacity = 10);
            await Sim.SubscribeAsync(s, 5);
            sim.PublishSignals(5, 50);
            await sim.WaitForAsync(x => x.Stats.MessagesSent >= 50, Sim.Wait);
            await Sim.UntilAsync(s, () => s.InboxOverflows > 0, "the inbox to overflow");
            var seqs = new List<long>();
            while (seqs.Count < 50)
            {
                var item = await Sim.NextItemAsync(s);
                Assert.Null(item.Gap); // recovered in full: no loss report
                seqs.Add(item.Message!.SeqId!.Value);
                s.MarkProcessed(item.Message);
            }
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), seqs);
            // Said once as a warning (later refills of the same stream only in -Verbose).
            var warning = Assert.Single(s.DrainDiagnostics(), d => d.Code == C2DiagnosticCode.InboxOverflow && d.Level == C2DiagnosticLevel.Warning);
            Assert.Contains("strategy.signal:5", warning.Message);
            Assert.Contains("after seq_id 10", warning.Message);
            Assert.True(sim.Stats.ReplayedMessages > 0);
        }

        [Fact]
        public async Task A_full_inbox_drops_position_updates_and_reports_the_range()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim, o => o.InboxCapacity = 3);
            await Sim.SubscribeAsync(s, 5, "strategy.positions");
            for (var i = 0; i < 6; i++) sim.PublishPosition(5);
            await Sim.UntilAsync(s, () => s.InboxOverflows == 3, "three updates to overflow");
            var got = new List<long>();
            for (var i = 0; i < 3; i++) got.Add((await Sim.NextAsync(s)).SeqId!.Value);
            Assert.Equal(new long[] { 1, 2, 3 }, got);
            // The loss is held until the update that ends it, then read whole, before that update.
            sim.PublishPosition(5);
            var gap = (await Sim.NextItemAsync(s)).Gap!;
            Assert.Equal(C2DeliveryProblem.InboxOverflow, gap.Problem);
            Assert.Equal(3, gap.AfterSeqId);
            Assert.Equal(3, gap.Count);
            Assert.Equal(7, gap.BeforeSeqId);
            Assert.Equal(7, (await Sim.NextAsync(s)).SeqId);
        }

        [Fact]
        public async Task Two_sessions_share_one_checkpoint_file_without_corrupting_it()
        {
            var dir = Directory.CreateTempSubdirectory("c2chk");
            var path = Path.Combine(dir.FullName, "shared.json");
            try
            {
                await using var sim = await Sim.StartFastAsync();
                using var a = await Sim.OpenAsync(sim, o => { o.CheckpointPath = path; o.CheckpointFlushInterval = TimeSpan.Zero; });
                using var b = await Sim.OpenAsync(sim, o => { o.CheckpointPath = path; o.CheckpointFlushInterval = TimeSpan.Zero; });
                await Sim.SubscribeAsync(a, 1);
                await Sim.SubscribeAsync(b, 2);
                using var ca = new Consumer(a);
                using var cb = new Consumer(b);
                var readerErrors = 0;
                using var stopReader = new CancellationTokenSource();
                var reader = Task.Run(() =>
                {
                    // Every read of the file while both write it must parse: writes are atomic renames.
                    while (!stopReader.IsCancellationRequested)
                    {
                        try { if (File.Exists(path)) using (JsonDocument.Parse(File.ReadAllBytes(path))) { } }
                        catch (JsonException) { Interlocked.Increment(ref readerErrors); }
                        catch (IOException) { }
                    }
                });
                sim.PublishSignals(1, 300);
                sim.PublishSignals(2, 300);
                await ca.UntilAsync(300, Sim.Wait);
                await cb.UntilAsync(300, Sim.Wait);
                stopReader.Cancel();
                await reader;
                a.FlushCheckpoint();
                b.FlushCheckpoint();
                Assert.Equal(0, readerErrors);
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                var streams = doc.RootElement.GetProperty("streams");
                Assert.Equal(300, streams.GetProperty("strategy.signal:1").GetProperty("seq").GetInt64());
                Assert.Equal(300, streams.GetProperty("strategy.signal:2").GetProperty("seq").GetInt64());
                Assert.Empty(Directory.GetFiles(dir.FullName, "*.tmp"));
            }
            finally { dir.Delete(true); }
        }

        [Fact]
        public async Task The_checkpoint_advances_only_after_the_pipeline_processed_the_object()
        {
            var dir = Directory.CreateTempSubdirectory("c2chk");
            var path = Path.Combine(dir.FullName, "c2.checkpoint.json");
            try
            {
                await using var sim = await Sim.StartFastAsync();
                using var sh = new PsShell();
                sh.Run(Connect + " -CheckpointPath $args[2] | Add-C2Subscription -StrategyId 9 | Out-Null", sim.Uri, sim.DemoApiKey, path).ThrowIfFailed();
                sim.PublishSignals(9, 3);
                // The script fails while processing seq 2: the checkpoint must say 1, not 2 or 3.
                var r = sh.Run("Receive-C2Signal -Count 3 -TimeoutSec 10 | ForEach-Object { if ($_.SeqId -eq 2) { throw 'boom' } }");
                Assert.NotNull(r.Terminating);
                // The commit rule: what a statement emitted is committed once the statement has completed, at the
                // session's next command (here Disconnect-C2Socket).
                sh.Run("Disconnect-C2Socket").ThrowIfFailed();
                using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
                    Assert.Equal(1, doc.RootElement.GetProperty("streams").GetProperty("strategy.signal:9").GetProperty("seq").GetInt64());

                // The next process resumes after seq 1 and gets 2 and 3 again, and what came since.
                sim.PublishSignal(9);
                var next = sh.Run(Connect + " -CheckpointPath $args[2] | Add-C2Subscription -StrategyId 9 | Receive-C2Signal -Count 3 -TimeoutSec 10 | ForEach-Object SeqId", sim.Uri, sim.DemoApiKey, path);
                next.ThrowIfFailed();
                Assert.Equal(new object[] { 2L, 3L, 4L }, next.Output.Select(o => o.BaseObject).ToArray());
            }
            finally { dir.Delete(true); }
        }
    }
}
