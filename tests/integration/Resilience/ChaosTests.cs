using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// Every signal, exactly once, in order per strategy, whatever the network does: thousands of signals while
    /// the simulator injects every kind of fault at random points. Deterministic seed, printed on failure.
    /// </summary>
    public class ChaosTests
    {
        private static readonly long[] Strategies = { 11, 22, 33, 44 };
        private readonly ITestOutputHelper _out;
        public ChaosTests(ITestOutputHelper output) { _out = output; }

        private enum Fault { Drop, CloseWithCode, StopHeartbeats, HalfOpen, Reject429, Reject503, PolicyViolation, PausePublishing, Restart }

        private static SimulatorOptions FastServer(SimulatorOptions o)
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.HeartbeatGrace = TimeSpan.FromSeconds(1);
            return o;
        }

        private static void FastClient(C2SessionOptions o, string? checkpoint = null)
        {
            o.HeartbeatTimeout = TimeSpan.FromMilliseconds(400);
            o.ConnectTimeout = TimeSpan.FromSeconds(2);
            o.ReconnectInterval = TimeSpan.FromMilliseconds(5);
            o.MaxReconnectInterval = TimeSpan.FromMilliseconds(100);
            o.ThrottledReconnectInterval = TimeSpan.FromMilliseconds(30);
            o.MaxReconnectAttempts = -1;
            o.CheckpointPath = checkpoint;
            o.CheckpointFlushInterval = TimeSpan.FromMilliseconds(20);
        }

        private static bool ForcesReconnect(Fault f) => f != Fault.StopHeartbeats && f != Fault.PausePublishing;

        private async Task InjectAsync(C2Simulator sim, C2Session session, Fault fault, Random rnd)
        {
            var reconnects = session.Reconnects;
            await InjectOnlyAsync(sim, session, fault, rnd);
            if (ForcesReconnect(fault))
                await Sim.UntilAsync(session, () => session.Reconnects > reconnects && session.State == C2SessionState.Connected, "the session to reconnect after " + fault, TimeSpan.FromSeconds(20));
        }

        private async Task InjectOnlyAsync(C2Simulator sim, C2Session session, Fault fault, Random rnd)
        {
            switch (fault)
            {
                case Fault.Drop:
                    sim.DropAllConnections();
                    break;
                case Fault.CloseWithCode:
                    var codes = new[] { WebSocketCloseStatus.NormalClosure, WebSocketCloseStatus.EndpointUnavailable, WebSocketCloseStatus.InternalServerError, WebSocketCloseStatus.ProtocolError, (WebSocketCloseStatus)4000 };
                    await sim.CloseAllAsync(codes[rnd.Next(codes.Length)], "chaos");
                    break;
                case Fault.StopHeartbeats:
                    sim.StopHeartbeats();
                    await Task.Delay(rnd.Next(50, 600)); // the fault's duration, not synchronisation
                    sim.StartHeartbeats();
                    break;
                case Fault.HalfOpen:
                    var before = session.Reconnects;
                    sim.Freeze();
                    try { await Sim.UntilAsync(session, () => session.State == C2SessionState.Reconnecting || session.Reconnects > before, "the client to notice the half-open connection", TimeSpan.FromSeconds(10)); }
                    catch (TimeoutException ex) { throw new TimeoutException(ex.Message + Describe(session, sim) + "\n" + string.Join("\n", session.DrainDiagnostics().Select(d => d.At.ToString("HH:mm:ss.fff") + " " + d.Level + " " + d.Message).TakeLast(25)) + "\nnow " + DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff") + " lastMsg " + session.LastMessageAt?.ToString("HH:mm:ss.fff")); }
                    sim.Unfreeze();
                    break;
                case Fault.Reject429:
                    sim.RejectNextHandshakes(rnd.Next(1, 3), 429, rnd.Next(2) == 0 ? TimeSpan.Zero : (TimeSpan?)null);
                    sim.DropAllConnections();
                    break;
                case Fault.Reject503:
                    sim.RejectNextHandshakes(rnd.Next(1, 3), 503);
                    sim.DropAllConnections();
                    break;
                case Fault.PolicyViolation:
                    sim.PolicyViolationOnNextHandshakes(1);
                    sim.DropAllConnections();
                    break;
                case Fault.PausePublishing:
                    sim.PausePublishing();
                    PublishBatch(sim, rnd);
                    sim.ResumePublishing();
                    break;
                case Fault.Restart:
                    await sim.RestartAsync();
                    break;
            }
        }

        private readonly Dictionary<long, long> _published = new Dictionary<long, long>();

        /// <summary>
        /// Until a stream delivered its first signal there is no seq_id to resume from (resume_from 0 means
        /// "live only"), so a drop in that window cannot be replayed: the session warns about it. Faults start
        /// once every strategy has a resume point.
        /// </summary>
        private async Task WarmUpAsync(C2Simulator sim, Consumer consumer)
        {
            foreach (var id in Strategies) _published[id] = sim.PublishSignal(id);
            await consumer.UntilAsync((int)_published.Values.Sum(), TimeSpan.FromSeconds(20));
        }

        private void PublishBatch(C2Simulator sim, Random rnd)
        {
            var n = rnd.Next(5, 40);
            for (var i = 0; i < n; i++)
            {
                var id = Strategies[rnd.Next(Strategies.Length)];
                _published[id] = sim.PublishSignal(id);
            }
        }

        private async Task SentinelsAsync(C2Simulator sim, Consumer consumer, int deliveredSoFar)
        {
            foreach (var id in Strategies) _published[id] = sim.PublishSignal(id);
            await consumer.UntilAsync(deliveredSoFar + Strategies.Length, TimeSpan.FromSeconds(30));
        }

        private string Verdict(Dictionary<long, List<long>> seen, int seed)
        {
            var sb = new StringBuilder();
            foreach (var id in Strategies)
            {
                var expected = _published.TryGetValue(id, out var last) ? last : 0;
                seen.TryGetValue(id, out var got);
                got ??= new List<long>();
                var ok = got.Count == expected && got.Select((s, i) => s == i + 1).All(b => b);
                if (!ok)
                {
                    var firstBad = Enumerable.Range(0, got.Count).FirstOrDefault(i => got[i] != i + 1, -1);
                    sb.Append("strategy ").Append(id).Append(": published 1..").Append(expected).Append(", delivered ").Append(got.Count)
                      .Append(firstBad >= 0 ? ", first wrong at index " + firstBad + " (seq " + got[firstBad] + ")" : "").AppendLine();
                }
            }
            return sb.Length == 0 ? "" : "seed " + seed + ":\n" + sb;
        }

        [Fact]
        public async Task Every_signal_exactly_once_in_order_through_every_kind_of_fault()
        {
            var seed = Environment.GetEnvironmentVariable("C2_CHAOS_SEED") is string s ? int.Parse(s) : 20261123;
            _out.WriteLine("chaos seed " + seed + " (set C2_CHAOS_SEED to replay)");
            var rnd = new Random(seed);
            await using var sim = await C2Simulator.StartAsync(FastServer(new SimulatorOptions()));
            using var session = await Sim.OpenAsync(sim, o => { FastClient(o); o.JitterSeed = seed; });
            foreach (var id in Strategies) await Sim.SubscribeAsync(session, id);
            using var consumer = new Consumer(session);
            await WarmUpAsync(sim, consumer);

            // At least 50 of every kind, in a seeded random order, with publishing in between.
            var faults = Enum.GetValues(typeof(Fault)).Cast<Fault>().SelectMany(f => Enumerable.Repeat(f, 50)).OrderBy(_ => rnd.Next()).ToList();
            var counts = new Dictionary<Fault, int>();
            foreach (var fault in faults)
            {
                PublishBatch(sim, rnd);
                // Each fault hits a live connection (a drop while already reconnecting would prove nothing).
                await Sim.UntilAsync(session, () => session.State == C2SessionState.Connected, "the session to be connected again", TimeSpan.FromSeconds(20));
                await InjectAsync(sim, session, fault, rnd);
                counts[fault] = counts.TryGetValue(fault, out var c) ? c + 1 : 1;
                PublishBatch(sim, rnd);
                // Keep the backlog of any strategy well inside the server's 1000-signal replay limit.
                if (_published.Values.Sum() - consumer.Count > 600)
                    await consumer.UntilAsync((int)(_published.Values.Sum() - 300), TimeSpan.FromSeconds(30));
            }
            while (_published.Values.Sum() < 10000) PublishBatch(sim, rnd);
            var total = (int)_published.Values.Sum();
            try
            {
                await consumer.UntilAsync(total, TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                throw new Xunit.Sdk.XunitException("Not everything arrived. " + Verdict(consumer.Seen(), seed) + Describe(session, sim));
            }
            // A sentinel per strategy: once it is delivered no older seq_id can be (dedup), so any duplicate or
            // stray replay would already be in what the consumer saw.
            await SentinelsAsync(sim, consumer, total);
            var verdict = Verdict(consumer.Seen(), seed);
            Assert.True(verdict.Length == 0, verdict + Describe(session, sim));
            Assert.Empty(consumer.Gaps());
            Assert.All(counts, kv => Assert.True(kv.Value >= 50, kv.Key + " injected " + kv.Value + " times"));
            // Drop, close, half-open, 429, 503, PolicyViolation and restart each force a reconnect.
            Assert.True(session.Reconnects >= 350, "reconnects: " + session.Reconnects);
            _out.WriteLine("published " + total + ", faults " + faults.Count + ", reconnects " + session.Reconnects + ", duplicates dropped " + session.DuplicatesDropped);
        }

        private static string Describe(C2Session s, C2Simulator sim) =>
            "\nsession: " + s.State + " reconnects=" + s.Reconnects + " dup=" + s.DuplicatesDropped + " inbox=" + s.InboxCount + " lastError=" + s.LastError +
            "\nsubs: " + string.Join(", ", s.Subscriptions.Select(x => x.Key + "=" + x.State + "@" + x.LastSeqId)) + "\nsim: " + sim.Stats + " signalsPublished=" + sim.Stats.SignalsPublished + " lastSeq=" + string.Join(",", Strategies.Select(i => sim.LastSeq("strategy.signal", i))) +
            "\nclient: received=" + s.MessagesReceived + " late=" + s.LateMessagesDropped + " queued=" + s.MessagesQueued + " malformed=" + s.MalformedMessages + " unknown=" + s.UnknownMessages;

        [Fact]
        public async Task Process_restart_in_the_middle_resumes_from_the_checkpoint()
        {
            var seed = 77;
            var rnd = new Random(seed);
            var dir = Directory.CreateTempSubdirectory("c2chk");
            var path = Path.Combine(dir.FullName, "c2.checkpoint.json");
            try
            {
                await using var sim = await C2Simulator.StartAsync(FastServer(new SimulatorOptions()));
                var delivered = new Dictionary<long, List<long>>();
                void Merge(Consumer c)
                {
                    foreach (var kv in c.Seen())
                    {
                        if (!delivered.TryGetValue(kv.Key, out var l)) delivered[kv.Key] = l = new List<long>();
                        l.AddRange(kv.Value);
                    }
                }

                // First "process": faults while it runs, then it exits in the middle of the stream.
                var first = await Sim.OpenAsync(sim, o => FastClient(o, path));
                foreach (var id in Strategies) await Sim.SubscribeAsync(first, id);
                var c1 = new Consumer(first);
                await WarmUpAsync(sim, c1);
                for (var round = 0; round < 40; round++)
                {
                    PublishBatch(sim, rnd);
                    await InjectAsync(sim, first, (Fault)(round % 9), rnd);
                }
                await c1.UntilAsync((int)_published.Values.Sum() / 2, TimeSpan.FromSeconds(30), () => Describe(first, sim) + string.Join("\n", first.DrainDiagnostics().Select(d => d.Level + " " + d.Message).TakeLast(30)));
                c1.Dispose();
                first.Dispose();               // flushes the checkpoint of what the consumer processed
                Merge(c1);

                // While no process runs, more signals are published.
                for (var i = 0; i < 10; i++) PublishBatch(sim, rnd);

                // Second "process": a new session reads the checkpoint and resumes from it.
                using var second = await Sim.OpenAsync(sim, o => FastClient(o, path));
                foreach (var id in Strategies)
                {
                    var sub = await Sim.SubscribeAsync(second, id);
                    var last = delivered.TryGetValue(id, out var l) && l.Count > 0 ? l.Last() : (long?)null;
                    Assert.Equal(last >= 2 ? last - 1 : last, sub.ResumeFrom);   // the last one comes back as the witness
                }
                using var c2 = new Consumer(second);
                for (var round = 0; round < 40; round++)
                {
                    PublishBatch(sim, rnd);
                    await InjectAsync(sim, second, (Fault)(round % 9), rnd);
                }
                var remaining = (int)(_published.Values.Sum() - delivered.Values.Sum(l => l.Count));
                await c2.UntilAsync(remaining, TimeSpan.FromSeconds(60), () => Verdict(c2.Seen(), seed));
                await SentinelsAsync(sim, c2, remaining);
                Merge(c2);
                var verdict = Verdict(delivered, seed);
                Assert.True(verdict.Length == 0, verdict);
                Assert.Empty(c2.Gaps());
            }
            finally
            {
                dir.Delete(true);
            }
        }
    }
}
