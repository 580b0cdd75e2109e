using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// `--profile`: where the session's per-message time goes, stage by stage, on one real ~400-byte signal from the
/// simulator, single thread, no network. Not part of the table; used to explain it (docs/benchmarks.md).
/// </summary>
internal static class Profile
{
    public static async Task<int> RunAsync()
    {
        await using var sim = await Env.StartSimAsync();
        using var bare = await BareClient.ConnectAsync(sim);
        string? raw = null;
        var got = new TaskCompletionSource();
        var loop = Task.Run(() => bare.RunAsync((root, type, _) => { if (type == "strategy.signal") { raw = root.GetRawText(); got.TrySetResult(); return false; } return true; }, default));
        await SubscribeBareAsync(sim, bare);
        sim.PublishSignal(1);
        await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var bytes = Encoding.UTF8.GetBytes(raw!);
        Console.WriteLine($"message: {bytes.Length} bytes");

        var env = EnvelopeReader.Decode(bytes, bytes.Length);
        s_msg = new C2Signal(1, 1, env, bytes, DateTimeOffset.UtcNow, 0);
        var strict = new UTF8Encoding(false, true);
        // Stages run interleaved batch by batch (the machine is shared: a slow second hits all of them alike);
        // medians of the batches, and each stage's cost relative to the bare loop's parse.
        Compare(20000,
            ("JsonDocument.Parse (all the bare loop does)", () => { using var d = System.Text.Json.JsonDocument.Parse(bytes); }),
            ("strict UTF-8 check alone", () => strict.GetCharCount(bytes, 0, bytes.Length)),
            ("Utf8JsonReader, Read() of every token (the floor of one pass)", () => { var rd = new System.Text.Json.Utf8JsonReader(bytes); while (rd.Read()) { } }),
            ("EnvelopeReader.Decode (UTF-8 check + one reader pass)", () => EnvelopeReader.Decode(bytes, bytes.Length)),
            ("byte copy + C2Signal (what the receive path keeps)", () =>
            {
                var copy = new byte[bytes.Length];
                Buffer.BlockCopy(bytes, 0, copy, 0, bytes.Length);
                _ = new C2Signal(1, 1, env, copy, DateTimeOffset.UtcNow, 0);
            }),
            ("PayloadFields.Decode (pipeline side, first property read)", () => PayloadFields.Decode(bytes, env.PayloadStart, env.PayloadLength)),
            ("Inbox.Add + TryTake (one thread)", () => { s_inbox.Add(s_key, s_msg); s_inbox.TryTake(null, out _); }),
            ("Inbox.Add (queue grows, dropped every 10,000)", () => { s_inbox2.Add(s_key, s_msg); if (++s_n % 10000 == 0) s_inbox2.Clear(); }));
        await LoopAsync(sim, raw!);
        return 0;
    }

    private static readonly Inbox s_inbox = new Inbox(1_000_000, _ => { }), s_inbox2 = new Inbox(1_000_000, _ => { });
    private static readonly StreamKey s_key = new StreamKey(Channels.Signal, 1);
    private static C2Signal s_msg = null!;
    private static int s_n;

    /// <summary>
    /// `--profile session|bare [rounds]`: one client alone, bursts of 20,000 signals, for an outside sampler
    /// (perf with DOTNET_PerfMapEnabled=1, dotnet-trace) to see where the CPU goes; prints each round's rate.
    /// </summary>
    public static async Task<int> LoadAsync(string[] args)
    {
        var which = args[1];
        var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20;
        if (which == "loop")
        {
            await using var lsim = await Env.StartSimAsync();
            using var bare0 = await BareClient.ConnectAsync(lsim);
            string? raw0 = null;
            var got0 = new TaskCompletionSource();
            _ = Task.Run(() => bare0.RunAsync((root, type, _) => { if (type == "strategy.signal") { raw0 = root.GetRawText(); got0.TrySetResult(); return false; } return true; }, default));
            await SubscribeBareAsync(lsim, bare0);
            lsim.PublishSignal(1);
            await got0.Task.WaitAsync(TimeSpan.FromSeconds(10));
            for (var r = 0; r < rounds; r++) await LoopAsync(lsim, raw0!);
            return 0;
        }
        if (which == "replay1000")
        {
            await using var rsim = await Env.StartSimAsync();
            for (var r = 0; r < rounds; r++) rsim.PublishSignals(100 + r, 1_001);
            using var rs = Env.OpenRunspace();
            Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", rsim.Uri, rsim.DemoApiKey);
            for (var r = 0; r < rounds; r++)
            {
                var o = Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; $a = $sw.Elapsed.TotalMilliseconds; $q = $s.InboxCount; " +
                    "$null = Receive-C2Signal -Count 1 ; $b = $sw.Elapsed.TotalMilliseconds; $null = Receive-C2Signal -Count 999; $c = $sw.Elapsed.TotalMilliseconds; $q2 = $s.MessagesQueued; " +
                    "'subscribed {0:0.0} ms (inbox {1}), first object {2:0.0} ms, last {3:0.0} ms' -f $a, $q, $b, $c; Remove-C2Subscription -StrategyId $args[0]", 100 + r);
                Console.WriteLine(o[0]);
            }
            return 0;
        }
        if (which == "replay")
        {
            // Where a catch-up's time goes: the session filling its inbox, then the pipeline draining it.
            await using var rsim = await Env.StartSimAsync();
            for (var r = 0; r < rounds; r++) rsim.PublishSignals(100 + r, 10_001);
            using var rs = Env.OpenRunspace();
            Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -InboxCapacity 20000", rsim.Uri, rsim.DemoApiKey);
            for (var r = 0; r < rounds; r++)
            {
                var o = Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; $a = $sw.Elapsed.TotalMilliseconds; " +
                    "while ($s.InboxCount -lt 10000) { [Threading.Thread]::Sleep(1) }; $b = $sw.Elapsed.TotalMilliseconds; $sw.Restart(); " +
                    (r % 3 == 0 ? "Receive-C2Signal -Count 10000 | Out-Null" : r % 3 == 1 ? "$null = Receive-C2Signal -Count 10000" : "$objs = Receive-C2Signal -Count 10000") +
                    "; $c = $sw.Elapsed.TotalMilliseconds; $sw.Restart(); " +
                    "if ($objs) { Write-BenchObject $objs | Out-Null }; $d = $sw.Elapsed.TotalMilliseconds; $sw.Restart(); " +
                    "if ($objs) { Write-BenchObject ([object[]]::new(10000)).ForEach({ 'x' }) | Out-Null }; $e = $sw.Elapsed.TotalMilliseconds; " +
                    "'subscribe {0:0.0} ms, inbox filled {1:0} ms, pipeline drained {2:0} ms ({3:0.0} us/object); floor Write-BenchObject $objs | Out-Null {4:0} ms, strings {5:0} ms; " +
                    "session so far: {6} next pages, {7} refetched, {8} duplicates' -f $a, $b, $c, ($c / 10), $d, $e, $s.ReplayPages, $s.MessagesRefetched, $s.DuplicatesDropped; Remove-C2Subscription -StrategyId $args[0]", 100 + r);
                Console.WriteLine((r % 3 == 0 ? "Receive | Out-Null: " : r % 3 == 1 ? "$null = Receive: " : "$objs = Receive: ") + o[0]);
            }
            return 0;
        }
        if (which == "alloc" || which == "allocsession") return await AllocProfile.RunAsync(rounds, which == "alloc");
        if (which == "catchup" || which == "catchupps") return await CatchUpProfile.RunAsync(rounds, which == "catchupps");
        if (which == "decode" || which == "parse")
        {
            var sample = Encoding.UTF8.GetBytes("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_5f0c2b8e9d4a4b7c8e1f2a3b4c5d\",\"seq_id\":12,\"timestamp\":\"2026-11-30T10:00:00Z\",\"v\":4,\"payload\":{\"strategy_id\":1,\"signal_id\":100001,\"symbol\":\"ESZ6\",\"symbol_type\":\"future\",\"side\":\"buy\",\"action\":\"open\",\"quantity\":2,\"order_type\":\"limit\",\"limit_price\":5012.25,\"stop_price\":null,\"tif\":\"day\",\"posted_at\":\"2026-11-30T10:00:00Z\",\"note\":\"padding padding padding\"}}");
            var sw = Stopwatch.StartNew();
            long k = 0;
            while (sw.Elapsed < TimeSpan.FromSeconds(rounds))
            {
                for (var i = 0; i < 10000; i++)
                {
                    if (which == "decode") EnvelopeReader.Decode(sample, sample.Length);
                    else { using var d = System.Text.Json.JsonDocument.Parse(sample); }
                }
                k += 10000;
            }
            Console.WriteLine($"{which}: {sw.Elapsed.TotalMilliseconds * 1000 / k:0.000} us/msg");
            return 0;
        }
        const int N = 20_000;
        await using var sim = await Env.StartSimAsync();
        if (which == "session")
        {
            using var session = await Env.OpenSessionAsync(sim, o => o.InboxCapacity = N * 2);
            await session.SubscribeAsync("strategy.signal", 1, null, TimeSpan.FromSeconds(10), System.Threading.CancellationToken.None);
            for (var r = 0; r < rounds; r++)
            {
                var g0 = default(GcMark);
                var drainedTcs = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
                var th = new System.Threading.Thread(() => drainedTcs.SetResult(SessionThroughputCase.Drain(session, N))) { Name = "drain" };
                th.Start();
                var drained = drainedTcs.Task;
                var cpu0 = SessionThroughputCase.PublishBurstTimed(sim, 1, N, () => g0 = GcMark.Now());
                var rate = await drained;
                var g1 = GcMark.Now();
                var cpu = SessionThroughputCase.CpuUsPerMessage(cpu0, N);
                // The loop's own rate: first signal taken (the reader waits, so about when it arrived) to the last frame the loop handled.
                var loopRate = SessionThroughputCase.RateOf(N, Stat.TicksToMs(session._lastFrameTicks - SessionThroughputCase.LastDrainFirst) / 1000.0);
                Console.WriteLine($"round {r + 1}: session {rate:N0}/s (loop {loopRate:N0}/s), process CPU {cpu:0.00} us/msg, {g1.Since(g0, N)}");
            }
            return 0;
        }
        using var bare = await BareClient.ConnectAsync(sim);
        var counter = new BareCounter();
        var loop = Task.Run(() => bare.RunAsync((_, type, now) => { if (type == "strategy.signal") counter.Hit(now); return true; }, default));
        await SubscribeBareAsync(sim, bare);
        for (var r = 0; r < rounds; r++)
        {
            var done = counter.Arm(N);
            var g0 = default(GcMark);
            var cpu0 = SessionThroughputCase.PublishBurstTimed(sim, 1, N, () => g0 = GcMark.Now());
            var rate = SessionThroughputCase.RateOf(N, await done);
            var g1 = GcMark.Now();
            var cpu = SessionThroughputCase.CpuUsPerMessage(cpu0, N);
            Console.WriteLine($"round {r + 1}: bare {rate:N0}/s, process CPU {cpu:0.00} us/msg, {g1.Since(g0, N)}");
        }
        return 0;
    }

    /// <summary>Subscribes the bare client to strategy 1 and waits until the simulator has registered it (its
    /// subscribe count moves after the subscriber is added), so a signal published next reaches it.</summary>
    private static async Task SubscribeBareAsync(C2WebSocket.Simulator.C2Simulator sim, BareClient bare)
    {
        var before = sim.Stats.Subscribes;
        await bare.SubscribeAsync(1);
        await sim.WaitForAsync(s => s.Stats.Subscribes > before, TimeSpan.FromSeconds(10));
    }

    /// <summary>The session loop's whole path for one frame (decode, tracker, inbox), no socket: frames are injected
    /// as if the connection had received them, in batches as a burst reaches the loop, then one at a time; then the
    /// reader's side (take + MarkProcessed) alone.</summary>
    private static async Task LoopAsync(C2WebSocket.Simulator.C2Simulator sim, string sample)
    {
        const int N = 20_000;
        const int Rounds = 6;
        var frames = new byte[Rounds * 2 * N][]; // per round: N for the batches, N for one at a time
        var seqRx = new System.Text.RegularExpressions.Regex("\"seq_id\":\\d+");
        var idRx = new System.Text.RegularExpressions.Regex("\"id\":\"msg_[0-9a-f]+\"");
        for (var i = 0; i < frames.Length; i++)
            frames[i] = Encoding.UTF8.GetBytes(idRx.Replace(seqRx.Replace(sample, "\"seq_id\":" + (i + 2), 1), "\"id\":\"msg_" + i.ToString("x28") + "\"", 1));
        using var session = await Env.OpenSessionAsync(sim, o => o.InboxCapacity = N * 2);
        // A resume point: the stream is not "watched since now", so the sample's older timestamp is not filtered.
        await session.SubscribeAsync("strategy.signal", 1, 1, TimeSpan.FromSeconds(10), System.Threading.CancellationToken.None);
        var loopUs = double.MaxValue; var readUs = double.MaxValue; var batchUs = double.MaxValue;
        long loopAlloc = 0, readAlloc = 0, batchAlloc = 0;
        for (var r = 0; r < Rounds; r++)
        {
            // Batches as a burst reaches the loop (ReceivePump.BatchSize), handled on this thread; then the same frames one at a time.
            var b0 = GC.GetAllocatedBytesForCurrentThread();
            var tb = Stopwatch.GetTimestamp();
            var bs = ReceivePump.BatchSize;
            for (var i = 0; i < N; i += bs) await session.Loop.InjectBatchAsync(frames.AsSpan(r * 2 * N + i, Math.Min(bs, N - i)).ToArray());
            if (session.InboxCount != N) throw new InvalidOperationException("the loop queued " + session.InboxCount + " of " + N + " injected frames");
            var bus = Stat.TicksToUs(Stopwatch.GetTimestamp() - tb) / N;
            if (r > 0) { batchUs = Math.Min(batchUs, bus); batchAlloc = (GC.GetAllocatedBytesForCurrentThread() - b0) / N; }
            using (var drain = new C2WebSocket.InboxReader(new[] { session }))
                for (var i = 0; i < N; i++)
                    if (drain.TryTake(null, out var ds, out var dt) && dt.Item is C2WebSocket.C2StreamMessage dm) ds!.MarkProcessed(dm);

            var a0 = GC.GetAllocatedBytesForCurrentThread();
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < N; i++) await session.Loop.InjectMessageAsync(frames[r * 2 * N + N + i], false);
            var waited = Stopwatch.StartNew();
            while (session.InboxCount < N)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the loop queued " + session.InboxCount + " of " + N + " injected frames");
                await Task.Yield();
            }
            var us = Stat.TicksToUs(Stopwatch.GetTimestamp() - t) / N;
            var a1 = GC.GetAllocatedBytesForCurrentThread();
            using (var reader = new C2WebSocket.InboxReader(new[] { session }))
            {
                var t2 = Stopwatch.GetTimestamp();
                for (var i = 0; i < N; i++)
                {
                    if (!reader.TryTake(null, out var s, out var taken)) throw new InvalidOperationException("inbox empty at " + i);
                    if (taken.Item is C2WebSocket.C2StreamMessage m) s!.MarkProcessed(m);
                }
                var rus = Stat.TicksToUs(Stopwatch.GetTimestamp() - t2) / N;
                if (r > 0) { readUs = Math.Min(readUs, rus); readAlloc = (GC.GetAllocatedBytesForCurrentThread() - a1) / N; }
            }
            if (r > 0) { loopUs = Math.Min(loopUs, us); loopAlloc = (a1 - a0) / N; }
        }
        Console.WriteLine($"{"session loop, per frame of a batch of " + ReceivePump.BatchSize + " (injected)",-64} {batchUs,8:0.00} us/msg {batchAlloc,8:N0} B/msg  ({1e6 / batchUs:N0}/s)");
        Console.WriteLine($"{"session loop, whole path per frame (injected, no socket)",-64} {loopUs,8:0.00} us/msg {loopAlloc,8:N0} B/msg  ({1e6 / loopUs:N0}/s)");
        Console.WriteLine($"{"reader: take + MarkProcessed",-64} {readUs,8:0.00} us/msg {readAlloc,8:N0} B/msg  ({1e6 / readUs:N0}/s)");
    }

    private static void Compare(int n, params (string What, Action Run)[] stages)
    {
        const int Batches = 15;
        // Warm-up until tiered JIT has settled (tier 0, instrumented, tier 1 take a second or two of calls).
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3))
            foreach (var st in stages) for (var i = 0; i < 200; i++) st.Run();
        var us = new List<double>[stages.Length];
        var alloc = new double[stages.Length];
        for (var k = 0; k < stages.Length; k++) us[k] = new List<double>();
        for (var b = 0; b < Batches; b++)
        {
            for (var k = 0; k < stages.Length; k++)
            {
                var a0 = GC.GetAllocatedBytesForCurrentThread();
                var t = Stopwatch.GetTimestamp();
                for (var i = 0; i < n / Batches; i++) stages[k].Run();
                us[k].Add(Stat.TicksToUs(Stopwatch.GetTimestamp() - t) / (n / Batches));
                alloc[k] = (GC.GetAllocatedBytesForCurrentThread() - a0) / (double)(n / Batches);
            }
        }
        var first = Stat.Median(us[0]);
        for (var k = 0; k < stages.Length; k++)
        {
            var m = Stat.Median(us[k]);
            Console.WriteLine($"| {stages[k].What} | {m:0.000} | {m / first:0.00}x | {alloc[k]:N0} |");
        }
    }

    private static void Time(string what, int n, Action a)
    {
        for (var i = 0; i < n / 4; i++) a(); // warm-up / tiering
        // The machine is shared and noisy: the best of 5 batches is the stage's own cost.
        var us = double.MaxValue;
        var alloc0 = GC.GetAllocatedBytesForCurrentThread();
        for (var batch = 0; batch < 5; batch++)
        {
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < n / 5; i++) a();
            us = Math.Min(us, Stat.TicksToUs(Stopwatch.GetTimestamp() - t) / (n / 5));
        }
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)n;
        Console.WriteLine($"{what,-64} {us,8:0.00} us/msg {bytes,8:N0} B/msg  ({1e6 / us:N0}/s)");
    }
}
