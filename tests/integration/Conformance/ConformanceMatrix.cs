using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests.Conformance
{
    /// <summary>
    /// One row per branch a real C2 server may take where the docs leave a point open (docs/protocol.md §13.2), and the core
    /// flows run on each: two strategies subscribed with a forbidden one between them; both received; a drop (or a close
    /// with the branch's code) with signals published during the outage; an inbox overflow; a checkpoint carried to a new
    /// session. Every flow asserts that every published signal arrives exactly once, in seq_id order per strategy, with
    /// the right StrategyId wherever the server's messages make it knowable, and no loss report where nothing was lost.
    /// </summary>
    public static class ConformanceMatrix
    {
        public const long A = 4101, B = 4102, Forbidden = 4666;

        /// <summary>Every open point of docs/protocol.md §13.2 and the branch each row plays (the first row is the friendly default).</summary>
        public static readonly Dictionary<string, Action<SimulatorOptions>> Rows = new Dictionary<string, Action<SimulatorOptions>>(StringComparer.Ordinal)
        {
            ["default: snake_case payload strategy_id, resume_from both, errors echo request_id, v number, full ack"] = o => { },
            ["payload names the strategy StrategyId (C2 REST v4 vocabulary)"] = o => o.Vocabulary = PayloadVocabulary.RestV4,
            ["no strategy id anywhere in the message"] = o => o.Vocabulary = PayloadVocabulary.NoStrategyId,
            ["strategy id only in the envelope"] = o => { o.Vocabulary = PayloadVocabulary.NoStrategyId; o.EnvelopeStrategy = EnvelopeStrategyField.StrategyId; },
            ["strategy only as an envelope stream name"] = o => { o.Vocabulary = PayloadVocabulary.NoStrategyId; o.EnvelopeStrategy = EnvelopeStrategyField.StreamName; },
            ["resume_from accepted as a string only"] = o => o.AcceptResumeFrom = ResumeFromFormat.String,
            ["resume_from accepted as a number only"] = o => o.AcceptResumeFrom = ResumeFromFormat.Number,
            ["errors never echo request_id"] = o => o.EchoRequestIdOnError = false,
            ["v is the string \"4\""] = o => o.VersionFormat = VersionFormat.String,
            ["subscription.ack with an empty payload"] = o => o.AckPayload = AckPayloadShape.Empty,
            ["subscription.ack without a payload"] = o => o.AckPayload = AckPayloadShape.Absent,
            ["unsubscribe never answered"] = o => o.AckUnsubscribe = false,
            ["missed-heartbeat close code 4000 and odd 429/503 body codes"] = o =>
            {
                o.HeartbeatTimeoutCloseStatus = (WebSocketCloseStatus)4000;
                o.HandshakeRejectionCodes[503] = "MAINTENANCE_WINDOW";
                o.HandshakeRejectionCodes[429] = "TOO_MANY";
            },
            ["all unfriendly at once: no strategy id, number only, no echo, v string, no ack payload, no unsubscribe reply"] = o =>
            {
                o.Vocabulary = PayloadVocabulary.NoStrategyId;
                o.AcceptResumeFrom = ResumeFromFormat.Number;
                o.EchoRequestIdOnError = false;
                o.VersionFormat = VersionFormat.String;
                o.AckPayload = AckPayloadShape.Absent;
                o.AckUnsubscribe = false;
            },
        };

        public static bool Unnamed(SimulatorOptions o) => o.Vocabulary == PayloadVocabulary.NoStrategyId && o.EnvelopeStrategy == EnvelopeStrategyField.None;
    }

    /// <summary>The flows, run by the row classes below (split so xunit runs them in parallel).</summary>
    public abstract class ConformanceFlows
    {
        private readonly ITestOutputHelper _out;
        protected ConformanceFlows(ITestOutputHelper output) { _out = output; }

        /// <summary>What one flow received: per strategy the seq_ids in arrival order, and what came without a strategy.</summary>
        private sealed class Received
        {
            public readonly Dictionary<long, List<long>> PerStrategy = new Dictionary<long, List<long>> { [ConformanceMatrix.A] = new List<long>(), [ConformanceMatrix.B] = new List<long>() };
            public readonly List<long> Unattributed = new List<long>();
            public readonly List<C2DeliveryGap> Losses = new List<C2DeliveryGap>();
        }

        protected async Task RunAsync(string row)
        {
            var configure = ConformanceMatrix.Rows[row];
            var dir = Directory.CreateTempSubdirectory("c2conf").FullName;
            var checkpoint = Path.Combine(dir, "c2.checkpoint.json");
            SimulatorOptions? options = null;
            await using var sim = await Sim.StartFastAsync(o =>
            {
                configure(o);
                o.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(ConformanceMatrix.Forbidden);
                options = o;
            });
            var unnamed = ConformanceMatrix.Unnamed(options!);
            var published = new Dictionary<long, List<long>> { [ConformanceMatrix.A] = new List<long>(), [ConformanceMatrix.B] = new List<long>() };
            void Publish(int each)
            {
                for (var i = 0; i < each; i++)
                {
                    published[ConformanceMatrix.A].Add(sim.PublishSignal(ConformanceMatrix.A));
                    published[ConformanceMatrix.B].Add(sim.PublishSignal(ConformanceMatrix.B));
                }
            }
            try
            {
                // Flow 1: a forbidden strategy between two good ones, subscribed together.
                using (var s = await Sim.OpenAsync(sim, o => { o.CheckpointPath = checkpoint; o.CheckpointFlushInterval = TimeSpan.Zero; o.InboxCapacity = 20; }))
                {
                    var subs = new[] { ConformanceMatrix.A, ConformanceMatrix.Forbidden, ConformanceMatrix.B }
                        .Select(id => s.SubscribeAsync("strategy.signal", id, null, TimeSpan.FromSeconds(10), CancellationToken.None)).ToArray();
                    Assert.Equal(C2SubscriptionState.Active, (await subs[0]).State);
                    var refused = await Assert.ThrowsAsync<C2ServerErrorException>(() => subs[1]);
                    Assert.Equal("FORBIDDEN", refused.Error.Code);
                    Assert.Equal(C2SubscriptionState.Active, (await subs[2]).State);
                    Assert.Equal(new[] { ConformanceMatrix.A, ConformanceMatrix.B }, s.Subscriptions.Where(x => x.State == C2SubscriptionState.Active).Select(x => x.StrategyId).OrderBy(x => x));

                    // Flow 2: both strategies received.
                    Publish(5);
                    var got = await ReceiveAsync(s, 10);
                    Check(row, "received", published, got, unnamed, firstFlow: true);

                    // Flow 3: the connection goes (dropped, or closed with the branch's code); signals published during the outage.
                    sim.RejectNextHandshakes(2, 503);
                    var before = Published(published);
                    if (options!.HeartbeatTimeoutCloseStatus != WebSocketCloseStatus.PolicyViolation) await sim.CloseAllAsync(options.HeartbeatTimeoutCloseStatus, "heartbeat timeout");
                    else sim.DropAllConnections();
                    await Sim.UntilAsync(s, () => s.State == C2SessionState.Reconnecting, "the session to notice the outage");
                    Publish(5);
                    await Sim.UntilAsync(s, () => s.State == C2SessionState.Connected, "the session to reconnect");
                    got = await ReceiveAsync(s, 10);
                    Check(row, "after the outage", Since(published, before), got, unnamed, firstFlow: false);

                    // Flow 4: a burst into a stream whose inbox holds 20, read late: set aside, fetched again, in order.
                    before = Published(published);
                    for (var i = 0; i < 60; i++) published[ConformanceMatrix.A].Add(sim.PublishSignal(ConformanceMatrix.A));
                    await Sim.UntilAsync(s, () => s.InboxOverflows > 0, "the inbox of A to fill up");
                    got = await ReceiveAsync(s, 60);
                    Check(row, "after the overflow", Since(published, before), got, unnamed, firstFlow: false);
                    var diagnostics = s.DrainDiagnostics().ToList();
                    Assert.Contains(diagnostics, d => d.Code == C2DiagnosticCode.InboxOverflow && d.Level == C2DiagnosticLevel.Warning);
                    Assert.DoesNotContain(diagnostics, d => d.Level == C2DiagnosticLevel.Error);
                    if (unnamed) Assert.Single(diagnostics, d => d.Code == C2DiagnosticCode.Unattributed && d.Level == C2DiagnosticLevel.Warning);
                    else Assert.DoesNotContain(diagnostics, d => d.Code == C2DiagnosticCode.Unattributed);
                    if (options.AcceptResumeFrom == ResumeFromFormat.Number) Assert.Equal(Protocol.ResumeFromWireType.Number, s.ResumeFromFormat);
                    await s.CloseAsync(TimeSpan.FromSeconds(5));
                }

                // Flow 5: the checkpoint carries both strategies to the next session; only what came since is delivered.
                var beforeRestart = Published(published);
                Publish(3);
                using (var s2 = await Sim.OpenAsync(sim, o => { o.CheckpointPath = checkpoint; o.CheckpointFlushInterval = TimeSpan.Zero; }))
                {
                    if (options!.AcceptResumeFrom == ResumeFromFormat.Number) Assert.Equal(Protocol.ResumeFromWireType.Number, s2.ResumeFromFormat); // remembered
                    await Task.WhenAll(Sim.SubscribeAsync(s2, ConformanceMatrix.A), Sim.SubscribeAsync(s2, ConformanceMatrix.B));
                    var got = await ReceiveAsync(s2, 6);
                    Check(row, "in the next session", Since(published, beforeRestart), got, unnamed, firstFlow: false);
                    Assert.DoesNotContain(s2.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Error);
                    await s2.CloseAsync(TimeSpan.FromSeconds(5));
                }

                // Flow 6: between sessions A's sequence restarts (a backend restart) with fewer signals than A's checkpoint
                // position, so "everything after the position" is empty. The next session finds the position gone, fetches
                // A's new sequence from its start, and reports only its seq_id 1, which the protocol cannot replay.
                sim.RestartStream("strategy.signal", ConformanceMatrix.A);
                var restarted = new Dictionary<long, List<long>> { [ConformanceMatrix.A] = new List<long>(), [ConformanceMatrix.B] = new List<long>() };
                for (var i = 0; i < 3; i++) restarted[ConformanceMatrix.A].Add(sim.PublishSignal(ConformanceMatrix.A));
                for (var i = 0; i < 2; i++) restarted[ConformanceMatrix.B].Add(sim.PublishSignal(ConformanceMatrix.B));
                Assert.Equal(new long[] { 1, 2, 3 }, restarted[ConformanceMatrix.A]);
                restarted[ConformanceMatrix.A].RemoveAt(0);
                using (var s3 = await Sim.OpenAsync(sim, o => { o.CheckpointPath = checkpoint; o.CheckpointFlushInterval = TimeSpan.Zero; o.WitnessTimeout = TimeSpan.FromMilliseconds(500); }))
                {
                    await Task.WhenAll(Sim.SubscribeAsync(s3, ConformanceMatrix.A), Sim.SubscribeAsync(s3, ConformanceMatrix.B));
                    var got = await ReceiveAsync(s3, 4);
                    var loss = Assert.Single(got.Losses);
                    Assert.Equal(C2DeliveryProblem.NotReplayable, loss.Problem);
                    Assert.Equal(ConformanceMatrix.A, loss.StrategyId);
                    got.Losses.Clear();
                    Check(row, "after a restart between sessions", restarted, got, unnamed, firstFlow: false);
                    Assert.Single(s3.DrainDiagnostics(), d => d.Code == C2DiagnosticCode.SequenceAnomaly && d.Level == C2DiagnosticLevel.Warning);
                }
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }

        private static Dictionary<long, int> Published(Dictionary<long, List<long>> published) => published.ToDictionary(kv => kv.Key, kv => kv.Value.Count);

        private static Dictionary<long, List<long>> Since(Dictionary<long, List<long>> published, Dictionary<long, int> before) =>
            published.ToDictionary(kv => kv.Key, kv => kv.Value.Skip(before[kv.Key]).ToList());

        private async Task<Received> ReceiveAsync(C2Session s, int count)
        {
            var r = new Received();
            var messages = 0;
            while (messages < count)
            {
                InboxItem item;
                try { item = await Sim.NextItemAsync(s); }
                catch (TimeoutException ex)
                {
                    throw new TimeoutException(ex.Message + " Got " + messages + " of " + count + ": " + string.Join("; ", r.PerStrategy.Select(kv => kv.Key + "=" + string.Join(",", kv.Value))) +
                        "; unattributed " + string.Join(",", r.Unattributed) + ". " + string.Join(" | ", s.DrainDiagnostics().Select(d => d.ToString()).TakeLast(20)), ex);
                }
                if (item.Gap != null) { r.Losses.Add(item.Gap); continue; }
                var m = item.Message!;
                s.MarkProcessed(m);
                messages++;
                if (m.StrategyId is long id) r.PerStrategy[id].Add(m.SeqId!.Value);
                else r.Unattributed.Add(m.SeqId!.Value);
            }
            return r;
        }

        /// <summary>Exactly once, in order per strategy; unattributed only where the server's messages name no strategy.</summary>
        private void Check(string row, string flow, Dictionary<long, List<long>> expected, Received got, bool unnamed, bool firstFlow)
        {
            var where = row + " / " + flow + ": ";
            Assert.True(got.Losses.Count == 0, where + "loss reported: " + string.Join(" | ", got.Losses.Select(g => g + " " + g.Message)));
            foreach (var kv in got.PerStrategy)
            {
                var seqs = kv.Value;
                Assert.True(seqs.SequenceEqual(seqs.OrderBy(x => x)), where + "strategy " + kv.Key + " out of order: " + string.Join(",", seqs));
                Assert.True(seqs.Distinct().Count() == seqs.Count, where + "strategy " + kv.Key + " delivered twice: " + string.Join(",", seqs));
            }
            if (!unnamed || !firstFlow) Assert.True(got.Unattributed.Count == 0, where + "unattributed messages: " + string.Join(",", got.Unattributed));
            // Every published seq_id, per strategy, is accounted for exactly once: attributed to its strategy, or (only when
            // the server names no strategy, before the session could tell them apart) delivered with an empty StrategyId.
            foreach (var seq in expected.Values.SelectMany(x => x).Distinct())
            {
                var want = expected.Count(kv => kv.Value.Contains(seq));
                var have = got.PerStrategy.Count(kv => kv.Value.Contains(seq)) + got.Unattributed.Count(x => x == seq);
                Assert.True(want == have, where + "seq_id " + seq + " expected " + want + " time(s), got " + have + ". " +
                    string.Join("; ", got.PerStrategy.Select(kv => kv.Key + "=" + string.Join(",", kv.Value))) + "; unattributed " + string.Join(",", got.Unattributed));
                foreach (var kv in expected)
                    if (kv.Value.Contains(seq) && !got.PerStrategy[kv.Key].Contains(seq)) Assert.True(unnamed && got.Unattributed.Contains(seq), where + "strategy " + kv.Key + " seq_id " + seq + " missing");
            }
            _out.WriteLine(where + string.Join("; ", got.PerStrategy.Select(kv => kv.Key + ": " + kv.Value.Count)) + (got.Unattributed.Count > 0 ? "; unattributed " + got.Unattributed.Count : ""));
        }
    }

    public sealed class ConformanceNamingRows : ConformanceFlows
    {
        public ConformanceNamingRows(ITestOutputHelper output) : base(output) { }
        public static TheoryData<string> Data => Of(0, 5);
        [Theory, MemberData(nameof(Data))]
        public Task Core_flows_lose_nothing(string row) => RunAsync(row);

        internal static TheoryData<string> Of(int skip, int take)
        {
            var data = new TheoryData<string>();
            foreach (var r in ConformanceMatrix.Rows.Keys.Skip(skip).Take(take)) data.Add(r);
            return data;
        }
    }

    public sealed class ConformanceRequestRows : ConformanceFlows
    {
        public ConformanceRequestRows(ITestOutputHelper output) : base(output) { }
        public static TheoryData<string> Data => ConformanceNamingRows.Of(5, 5);
        [Theory, MemberData(nameof(Data))]
        public Task Core_flows_lose_nothing(string row) => RunAsync(row);
    }

    public sealed class ConformanceConnectionRows : ConformanceFlows
    {
        public ConformanceConnectionRows(ITestOutputHelper output) : base(output) { }
        public static TheoryData<string> Data => ConformanceNamingRows.Of(10, 10);
        [Theory, MemberData(nameof(Data))]
        public Task Core_flows_lose_nothing(string row) => RunAsync(row);
    }
}
