using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>A signal is dropped only when it is provably a duplicate; what goes back is delivered and said once.</summary>
    public class SequenceTests
    {
        private const string Signal = "strategy.signal";

        private static async Task<List<C2StreamMessage>> TakeAsync(C2Session s, int n)
        {
            var list = new List<C2StreamMessage>();
            for (var i = 0; i < n; i++) list.Add(await Sim.NextAsync(s));
            return list;
        }

        /// <summary>Takes messages until <paramref name="n"/> arrived (marking each processed), and the gaps reported among them.</summary>
        private static async Task<(List<long> Seqs, List<C2DeliveryGap> Gaps)> TakeWithGapsAsync(C2Session s, int n)
        {
            var seqs = new List<long>();
            var gaps = new List<C2DeliveryGap>();
            while (seqs.Count < n)
            {
                var item = await Sim.NextItemAsync(s);
                if (item.Gap != null) { gaps.Add(item.Gap); continue; }
                seqs.Add(item.Message!.SeqId!.Value);
                s.MarkProcessed(item.Message);
            }
            return (seqs, gaps);
        }

        /// <summary>Strategy <paramref name="id"/> delivers seq 1..5; then, while the session is away (an outage of two
        /// refused reconnects), the backend restarts its sequence and publishes <paramref name="publishedAway"/> signals.</summary>
        private static async Task RestartDuringOutageAsync(C2Simulator sim, C2Session s, long id, int publishedAway)
        {
            await Sim.SubscribeAsync(s, id);
            sim.PublishSignals(id, 5);
            await TakeAsync(s, 5);
            sim.RejectNextHandshakes(2, 503);
            sim.DropAllConnections();
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Reconnecting, "the outage");
            sim.RestartStream(Signal, id);                 // the backend restarts: seq_id starts again at 1
            sim.PublishSignals(id, publishedAway);         // new message ids
            await Sim.UntilAsync(s, () => s.State == C2SessionState.Connected, "the reconnect");
        }

        [Fact]
        public async Task A_sequence_that_restarts_mid_session_delivers_every_new_signal_and_warns_once()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 61);
            sim.PublishSignals(61, 5);
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, (await TakeAsync(s, 5)).Select(m => m.SeqId!.Value));
            sim.RestartStream(Signal, 61);
            sim.PublishSignals(61, 5);
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, (await TakeAsync(s, 5)).Select(m => m.SeqId!.Value));
            sim.RestartStream(Signal, 61);
            sim.PublishSignals(61, 2);
            Assert.Equal(new long[] { 1, 2 }, (await TakeAsync(s, 2)).Select(m => m.SeqId!.Value));
            var diagnostics = s.DrainDiagnostics().ToList();
            var warning = Assert.Single(diagnostics, d => d.Level == C2DiagnosticLevel.Warning);
            Assert.Equal(C2DiagnosticCode.SequenceAnomaly, warning.Code);
            Assert.Contains("strategy.signal:61 went back from seq_id 5 to 1", warning.Message);
            Assert.Contains(diagnostics, d => d.Level == C2DiagnosticLevel.Verbose && d.Code == C2DiagnosticCode.SequenceAnomaly); // the second restart
            Assert.Equal(2, s.SequenceAnomalies);
            Assert.Equal(0, s.DuplicatesDropped);
        }

        [Fact]
        public async Task A_sequence_that_restarted_during_an_outage_is_backfilled_and_only_its_first_signal_is_reported()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await RestartDuringOutageAsync(sim, s, 62, publishedAway: 3); // seq 1..3 of the new sequence
            sim.PublishSignals(62, 2);                     // seq 4..5, live: below our resume point 5, new message ids
            var (got, gaps) = await TakeWithGapsAsync(s, 4);
            Assert.Equal(new long[] { 2, 3, 4, 5 }, got);   // seq 1 cannot be replayed by the protocol...
            var gap = Assert.Single(gaps);                  // ...and is reported, with its exact range, not dropped silently
            Assert.Equal(C2DeliveryProblem.NotReplayable, gap.Problem);
            Assert.Null(gap.AfterSeqId);
            Assert.Equal(2, gap.BeforeSeqId);
            Assert.Single(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Warning && d.Code == C2DiagnosticCode.SequenceAnomaly);
        }

        [Fact]
        public async Task A_sequence_that_restarted_during_an_outage_and_grew_past_the_resume_point_is_backfilled()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await RestartDuringOutageAsync(sim, s, 66, publishedAway: 8); // seq 1..8 of the new sequence: past our position 5
            var (got, gaps) = await TakeWithGapsAsync(s, 7);
            // Resuming "after 5" alone would replay 6..8 and lose 2..5 of the new sequence without a trace; the resume
            // asks for 5 again, sees a different message there, and fetches the new sequence from its start.
            Assert.Equal(new long[] { 2, 3, 4, 5, 6, 7, 8 }, got);
            Assert.Equal(C2DeliveryProblem.NotReplayable, Assert.Single(gaps).Problem);
            var warning = Assert.Single(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Warning);
            Assert.Equal(C2DiagnosticCode.SequenceAnomaly, warning.Code);
            Assert.Contains("its replay started with another message at seq_id 5", warning.Message);
            sim.PublishSignal(66);
            Assert.Equal(9, (await Sim.NextAsync(s)).SeqId);
        }

        [Fact]
        public async Task A_checkpoint_resume_proves_its_position_and_backfills_a_sequence_that_restarted_below_it()
        {
            var dir = System.IO.Directory.CreateTempSubdirectory("c2witness");
            var path = System.IO.Path.Combine(dir.FullName, "c2.checkpoint.json");
            try
            {
                await using var sim = await Sim.StartFastAsync();
                void Options(C2SessionOptions o) { o.CheckpointPath = path; o.WitnessTimeout = TimeSpan.FromMilliseconds(300); }
                using (var first = await Sim.OpenAsync(sim, Options))
                {
                    await Sim.SubscribeAsync(first, 67);
                    sim.PublishSignals(67, 5);
                    foreach (var m in await TakeAsync(first, 5)) first.MarkProcessed(m);
                }

                // Run 2, nothing new: the last signal comes back as the witness, is dropped, and nothing is said.
                using (var second = await Sim.OpenAsync(sim, Options))
                {
                    var sub = await Sim.SubscribeAsync(second, 67);
                    Assert.Equal(4, sub.ResumeFrom);
                    await Sim.UntilAsync(second, () => second.DuplicatesDropped == 1, "the witness seq_id 5 came back");
                    Assert.False(sub.Verifying);
                    Assert.DoesNotContain(second.DrainDiagnostics(), d => d.Level >= C2DiagnosticLevel.Warning);
                    await Assert.ThrowsAsync<TimeoutException>(() => Sim.NextItemAsync(second, TimeSpan.FromMilliseconds(600)));
                }

                // Between runs the strategy's sequence restarts and publishes 3 signals: resuming "after 5" replays nothing.
                sim.RestartStream(Signal, 67);
                sim.PublishSignals(67, 3);
                using var third = await Sim.OpenAsync(sim, Options);
                await Sim.SubscribeAsync(third, 67);
                var (got, gaps) = await TakeWithGapsAsync(third, 2);
                Assert.Equal(new long[] { 2, 3 }, got);
                var gap = Assert.Single(gaps);
                Assert.Equal(C2DeliveryProblem.NotReplayable, gap.Problem);
                Assert.Contains("restarted", gap.Message);
                var warning = Assert.Single(third.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Warning);
                Assert.Contains("nothing came back within 0.3 s", warning.Message);
            }
            finally
            {
                try { dir.Delete(recursive: true); } catch (System.IO.IOException) { }
            }
        }

        [Fact]
        public async Task A_resume_point_beyond_the_server_warns_with_both_numbers_and_delivers()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.PublishSignals(63, 150);
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 63, resumeFrom: 4200);
            sim.PublishSignals(63, 5);
            Assert.Equal(new long[] { 151, 152, 153, 154, 155 }, (await TakeAsync(s, 5)).Select(m => m.SeqId!.Value));
            var warning = Assert.Single(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Warning);
            Assert.Contains("from seq_id 4200 to 151", warning.Message);
            Assert.Contains("beyond the server's position", warning.Message);
            Assert.Equal(0, s.DuplicatesDropped);
        }

        [Fact]
        public async Task ResumeFrom_on_an_existing_subscription_replays_from_there()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 64);
            sim.PublishSignals(64, 50);
            Assert.Equal(50, (await TakeAsync(s, 50)).Last().SeqId);
            var sub = await Sim.SubscribeAsync(s, 64, resumeFrom: 40);
            Assert.Equal(40, sub.ResumeFrom);
            Assert.Equal(Enumerable.Range(41, 10).Select(i => (long)i), (await TakeAsync(s, 10)).Select(m => m.SeqId!.Value));
            Assert.Contains(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Verbose && d.Message.Contains("already subscribed; subscribing again with resume_from 40"));
            sim.PublishSignal(64);
            Assert.Equal(51, (await Sim.NextAsync(s)).SeqId);
        }

        [Theory]
        [InlineData("seq_id", "\"notanumber\"")]
        [InlineData("seq_id", "1.5")]
        [InlineData("timestamp", "42")]
        [InlineData("msg_type", "7")]
        [InlineData("id", "{\"x\":1}")]
        public async Task An_envelope_field_of_the_wrong_type_is_counted_and_never_delivered(string field, string raw)
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 65);
            var malformedBefore = s.MalformedMessages;
            Assert.Equal(1, sim.PublishWithEnvelopeOverride(Signal, 65, field, raw));
            var seq = sim.PublishSignal(65);               // the same seq_id position: must not be taken for a duplicate
            var m = await Sim.NextAsync(s);
            Assert.Equal(seq, m.SeqId);
            Assert.Equal(malformedBefore + 1, s.MalformedMessages);
            Assert.Contains(s.DrainDiagnostics(), d => d.Code == C2DiagnosticCode.MalformedMessage && d.Message.Contains("'" + field + "'"));
            await Assert.ThrowsAsync<TimeoutException>(() => Sim.NextItemAsync(s, TimeSpan.FromMilliseconds(300)));
        }

        [Fact]
        public async Task The_same_message_again_is_a_duplicate()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 66);
            sim.PublishSignals(66, 3);
            var first = await TakeAsync(s, 3);
            sim.PublishRawToAll(first[1].RawJson);         // seq 2 again, same message id: a duplicate
            sim.PublishSignal(66);                         // seq 4
            Assert.Equal(4, (await Sim.NextAsync(s)).SeqId);
            Assert.Equal(1, s.DuplicatesDropped);
            Assert.Equal(0, s.SequenceAnomalies);
        }
    }
}
