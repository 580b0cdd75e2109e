using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// A resume below what the server still holds (issue 24, 1b), against the simulator: the server holds the newest
    /// 1,200 of 1,500 signals, the session resumes after seq_id 100 from a checkpoint or after a reconnect. 101..300 are
    /// gone: reported once with exact bounds; 301..1,500 delivered once, in order, on both branches the simulator plays.
    /// </summary>
    public class RetentionTests
    {
        private const string Signal = "strategy.signal";

        public static IEnumerable<object[]> Branches => new[]
        {
            new object[] { RetentionHoleReply.ReplayOldest },
            new object[] { RetentionHoleReply.GapFirst },
        };

        /// <summary>Takes items until the message with seq_id <paramref name="last"/> (marking each processed).</summary>
        private static async Task<(List<long> Seqs, List<C2DeliveryGap> Gaps)> TakeUntilAsync(C2Session s, long last)
        {
            var seqs = new List<long>();
            var gaps = new List<C2DeliveryGap>();
            while (seqs.Count == 0 || seqs[^1] != last)
            {
                var item = await Sim.NextItemAsync(s);
                if (item.Gap != null) { gaps.Add(item.Gap); Assert.Empty(seqs); continue; }   // reported before 301
                seqs.Add(item.Message!.SeqId!.Value);
                s.MarkProcessed(item.Message);
            }
            return (seqs, gaps);
        }

        private static void AssertHoleThenHeld(List<long> seqs, List<C2DeliveryGap> gaps, long strategy)
        {
            Assert.Equal(Enumerable.Range(301, 1200).Select(i => (long)i), seqs);
            var gap = Assert.Single(gaps);
            Assert.Equal(C2DeliveryProblem.ReplayLimitExceeded, gap.Problem);
            Assert.Equal(strategy, gap.StrategyId);
            Assert.Equal(100, gap.AfterSeqId);
            Assert.Equal(301, gap.BeforeSeqId);
        }

        [Theory]
        [MemberData(nameof(Branches))]
        public async Task A_checkpoint_below_the_servers_retention_reports_the_hole_and_delivers_the_rest(RetentionHoleReply branch)
        {
            const long id = 71;
            await using var sim = await Sim.StartFastAsync(o => o.BelowRetention = branch);
            var path = Path.Combine(Path.GetTempPath(), "c2-retention-" + System.Guid.NewGuid().ToString("N") + ".json");
            try
            {
                using (var first = await Sim.OpenAsync(sim, o => o.CheckpointPath = path))
                {
                    await Sim.SubscribeAsync(first, id);
                    sim.PublishSignals(id, 100);
                    var (seqs, _) = await TakeUntilAsync(first, 100);
                    Assert.Equal(100, seqs.Count);
                    await first.CloseAsync(System.TimeSpan.FromSeconds(2));
                }
                sim.PublishSignals(id, 1400);
                sim.Options.ReplayRetention = 1200;

                using var second = await Sim.OpenAsync(sim, o => o.CheckpointPath = path);
                await Sim.SubscribeAsync(second, id);            // a verified resume: resume_from 99, seq_id 100 asked for again
                var (held, gaps) = await TakeUntilAsync(second, 1500);
                AssertHoleThenHeld(held, gaps, id);
                Assert.Equal(0, second.SequenceAnomalies);       // a hole, not a restart: nothing backfilled
                Assert.Equal(1, sim.Stats.RetentionHoles);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [MemberData(nameof(Branches))]
        public async Task A_reconnect_below_the_servers_retention_reports_the_hole_and_delivers_the_rest(RetentionHoleReply branch)
        {
            const long id = 72;
            await using var sim = await Sim.StartFastAsync(o => { o.BelowRetention = branch; o.ReplayRetention = 1200; });
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, id);
            sim.PublishSignals(id, 100);
            await TakeUntilAsync(s, 100);

            sim.Options.MaxConnectionsTotal = 0;                 // the outage: reconnects are refused (503)
            sim.DropAllConnections();
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Reconnecting, "the outage");
            sim.PublishSignals(id, 1400);                        // 1,500 published, 301..1,500 held
            sim.Options.MaxConnectionsTotal = int.MaxValue;

            var (held, gaps) = await TakeUntilAsync(s, 1500);
            AssertHoleThenHeld(held, gaps, id);
            Assert.Equal(0, s.SequenceAnomalies);
            Assert.True(s.Reconnects >= 1);
            Assert.True(s.ReplayPages >= 1, "the replay limit's gap asked for the next page");
        }
    }
}
