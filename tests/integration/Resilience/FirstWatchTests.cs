using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// A scheduled task's runs with one checkpoint: run N+1 gets every signal published since run N started, including
    /// for a stream that had not delivered anything yet (it has a watch time, not a seq_id).
    /// </summary>
    public class FirstWatchTests
    {
        private static async Task<(long[] Seqs, C2DeliveryGap[] Losses, bool Unverified)> RunAsync(C2WebSocket.Simulator.C2Simulator sim, string checkpoint, long strategy, TimeSpan quiet)
        {
            using var s = await Sim.OpenAsync(sim, o => { o.CheckpointPath = checkpoint; o.CheckpointFlushInterval = TimeSpan.Zero; });
            var sub = await Sim.SubscribeAsync(s, strategy);
            var seqs = new System.Collections.Generic.List<long>();
            var losses = new System.Collections.Generic.List<C2DeliveryGap>();
            while (true)
            {
                InboxItem item;
                try { item = await Sim.NextItemAsync(s, quiet); }
                catch (TimeoutException) { break; }   // -IdleTimeoutSec: nothing more came
                if (item.Gap != null) { losses.Add(item.Gap); continue; }
                seqs.Add(item.Message!.SeqId!.Value);
                s.MarkProcessed(item.Message);
            }
            var unverified = sub.Unverified;
            await s.CloseAsync(TimeSpan.FromSeconds(5));
            return (seqs.ToArray(), losses.ToArray(), unverified);
        }

        private static JsonElement Entry(string checkpoint, long strategy)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(checkpoint));
            return doc.RootElement.GetProperty("streams").GetProperty("strategy.signal:" + strategy).Clone();
        }

        [Fact]
        public async Task Run_two_gets_exactly_what_was_published_since_run_one_started_and_run_three_nothing()
        {
            var dir = Directory.CreateTempSubdirectory("c2watch").FullName;
            try
            {
                var checkpoint = Path.Combine(dir, "c2.checkpoint.json");
                await using var sim = await Sim.StartFastAsync();
                sim.PublishSignals(91, 5);                         // history from before the first run: not wanted
                var run1 = await RunAsync(sim, checkpoint, 91, TimeSpan.FromMilliseconds(500));
                Assert.Empty(run1.Seqs);
                Assert.True(Entry(checkpoint, 91).TryGetProperty("watchingSince", out _), "run 1 records when it started watching");

                var published = sim.PublishSignals(91, 3);         // between the runs
                var run2 = await RunAsync(sim, checkpoint, 91, TimeSpan.FromMilliseconds(500));
                Assert.Equal(published, run2.Seqs);
                Assert.Empty(run2.Losses);
                Assert.False(run2.Unverified);
                Assert.Equal(8, Entry(checkpoint, 91).GetProperty("seq").GetInt64());

                var run3 = await RunAsync(sim, checkpoint, 91, TimeSpan.FromMilliseconds(500));
                Assert.Empty(run3.Seqs);
                Assert.Empty(run3.Losses);
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public async Task A_fresh_strategy_whose_first_signals_came_between_runs_reports_the_one_the_protocol_cannot_replay()
        {
            var dir = Directory.CreateTempSubdirectory("c2watch").FullName;
            try
            {
                var checkpoint = Path.Combine(dir, "c2.checkpoint.json");
                await using var sim = await Sim.StartFastAsync();
                var run1 = await RunAsync(sim, checkpoint, 92, TimeSpan.FromMilliseconds(500));
                Assert.Empty(run1.Seqs);
                sim.PublishSignals(92, 3);                         // seq 1..3: the strategy's first signals ever
                var run2 = await RunAsync(sim, checkpoint, 92, TimeSpan.FromMilliseconds(500));
                Assert.Equal(new long[] { 2, 3 }, run2.Seqs);      // resume_from 1 replays what is after seq_id 1...
                var loss = Assert.Single(run2.Losses);             // ...and seq_id 1 is reported with its range, never silent
                Assert.Equal(C2DeliveryProblem.NotReplayable, loss.Problem);
                Assert.Equal(92, loss.StrategyId);
                Assert.Null(loss.AfterSeqId);
                Assert.Equal(2, loss.BeforeSeqId);
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public async Task A_silent_fresh_strategy_is_marked_unverified_not_reported_as_lost()
        {
            var dir = Directory.CreateTempSubdirectory("c2watch").FullName;
            try
            {
                var checkpoint = Path.Combine(dir, "c2.checkpoint.json");
                await using var sim = await Sim.StartFastAsync();
                await RunAsync(sim, checkpoint, 93, TimeSpan.FromMilliseconds(300));
                var run2 = await RunAsync(sim, checkpoint, 93, TimeSpan.FromMilliseconds(300));
                Assert.Empty(run2.Seqs);
                Assert.Empty(run2.Losses);
                Assert.True(run2.Unverified, "nothing confirms that no seq_id 1 was published between the runs");
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
