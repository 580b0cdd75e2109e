using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 3. Signals at a steady rate, each payload carrying the publisher's Stopwatch timestamp (t0, taken just before
/// PublishSignal). The module's figure is t0 -> the object reaching the first command after Receive-C2Signal (a
/// compiled probe cmdlet); the baseline is t0 -> JsonDocument.Parse done on a bare loop. Both run at once on two
/// connections, publish order alternating, so both see the same machine noise.
/// </summary>
internal static class LatencyCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        const long ModuleSid = 3001, BareSid = 3002;
        await using var sim = await Env.StartSimAsync();
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]; $null = Add-C2Subscription -StrategyId $args[2]", sim.Uri, sim.DemoApiKey, ModuleSid);

        using var bare = await BareClient.ConnectAsync(sim);
        var bareLat = new List<double>();
        using var stop = new CancellationTokenSource();
        var bareLoop = Task.Run(() => bare.RunAsync((root, type, now) =>
        {
            if (type == "strategy.signal" && root.GetProperty("payload").TryGetProperty("t0", out var t0))
                lock (bareLat) bareLat.Add(Stat.TicksToUs(now - t0.GetInt64()));
            return true;
        }, stop.Token));
        await bare.SubscribeAsync(BareSid);
        await sim.WaitForAsync(s => s.Stats.Subscribes >= 2, TimeSpan.FromSeconds(10));

        // Warm-up second, then the measured run.
        var warmCount = cfg.LatencyRate;
        var count = (int)(cfg.LatencySeconds * cfg.LatencyRate);
        var (m, b) = await RunOnceAsync(rs, sim, bareLat, ModuleSid, BareSid, warmCount, cfg.LatencyRate);
        Console.WriteLine($"   warm-up: module p50 {Stat.Percentile(m, 50):0} us, bare p50 {Stat.Percentile(b, 50):0} us");
        (m, b) = await RunOnceAsync(rs, sim, bareLat, ModuleSid, BareSid, count, cfg.LatencyRate);

        stop.Cancel();
        await bare.CloseAsync();
        try { await bareLoop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        Env.Invoke(rs, "Disconnect-C2Socket -All");

        double m50 = Stat.Percentile(m, 50), m99 = Stat.Percentile(m, 99), b50 = Stat.Percentile(b, 50), b99 = Stat.Percentile(b, 99);
        var note = $"{m.Count} module / {b.Count} bare samples at {cfg.LatencyRate}/s per connection; publisher timestamp -> first pipeline command (module) or JsonDocument parsed (bare)";
        return new List<Row>
        {
            new("latency p50", "send -> pipeline: " + Stat.F(m50 / 1000, "ms"), "bare loop: " + Stat.F(b50 / 1000, "ms"), Stat.Ratio(m50 / b50), "(report)", "-", note),
            new("latency p99", "send -> pipeline: " + Stat.F(m99 / 1000, "ms"), "bare loop: " + Stat.F(b99 / 1000, "ms"), Stat.Ratio(m99 / b99), "<= 1.5x bare", Config.Met(m99 / b99 <= 1.5)),
        };
    }

    private static async Task<(List<double> Module, List<double> Bare)> RunOnceAsync(Runspace rs, C2Simulator sim, List<double> bareLat, long moduleSid, long bareSid, int count, int rate)
    {
        lock (MeasureBenchArrivalCommand.LatenciesUs) MeasureBenchArrivalCommand.LatenciesUs.Clear();
        lock (bareLat) bareLat.Clear();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("Receive-C2Signal -Count $args[0] -TimeoutSec 120 | Measure-BenchArrival").AddArgument(count);
        var running = ps.BeginInvoke();
        await Task.Delay(300); // the cmdlet is waiting on the inbox

        await Task.Factory.StartNew(() => Publish(sim, moduleSid, bareSid, count, rate), TaskCreationOptions.LongRunning);
        await Task.Factory.FromAsync(running, ps.EndInvoke);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            lock (bareLat) if (bareLat.Count >= count) break;
            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(10);
        }
        List<double> m, b;
        lock (MeasureBenchArrivalCommand.LatenciesUs) m = MeasureBenchArrivalCommand.LatenciesUs.ToList();
        lock (bareLat) b = bareLat.ToList();
        return (m, b);
    }

    /// <summary>Publishes count signals to each strategy at rate per second, paced by the Stopwatch.</summary>
    private static void Publish(C2Simulator sim, long a, long b, int count, int rate)
    {
        var start = Stopwatch.GetTimestamp();
        var period = Stopwatch.Frequency / (double)rate;
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * period);
            while (Stopwatch.GetTimestamp() < due)
            {
                var leftMs = Stat.TicksToMs(due - Stopwatch.GetTimestamp());
                if (leftMs > 1.5) Thread.Sleep(1); else Thread.SpinWait(50);
            }
            if (i % 2 == 0) { sim.PublishSignal(a, Payloads.TimedSignal(a)); sim.PublishSignal(b, Payloads.TimedSignal(b)); }
            else { sim.PublishSignal(b, Payloads.TimedSignal(b)); sim.PublishSignal(a, Payloads.TimedSignal(a)); }
        }
    }
}

/// <summary>
/// Case 4. Heartbeats every 100 ms while the pipeline blocks for seconds per object (ForEach-Object { Start-Sleep })
/// and signals keep arriving. Per-heartbeat timing comes from the simulator's opt-in HeartbeatObserver hook:
/// heartbeat written -> heartbeat.ack received, per connection. Baseline: a bare loop answering on its own connection.
/// </summary>
internal static class HeartbeatCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        const long Sid = 4001;
        var events = new List<(int Conn, bool Ack, long Ts)>();
        var interval = TimeSpan.FromMilliseconds(100);
        var grace = TimeSpan.FromSeconds(1);
        await using var sim = await Env.StartSimAsync(o =>
        {
            o.HeartbeatInterval = interval;
            o.HeartbeatGrace = grace;
            o.HeartbeatObserver = (conn, ack, ts) => { lock (events) events.Add((conn, ack, ts)); };
        });
        using var rs = Env.OpenRunspace();
        var session = (C2Session)Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -HeartbeatTimeoutSec 2; $null = Add-C2Subscription -StrategyId $args[2]; $s",
            sim.Uri, sim.DemoApiKey, Sid)[0].BaseObject;
        var moduleConn = sim.Connections.Single().Id;
        using var bare = await BareClient.ConnectAsync(sim);
        using var stop = new CancellationTokenSource();
        var bareLoop = Task.Run(() => bare.RunAsync((_, _, _) => true, stop.Token));
        await sim.WaitForAsync(s => s.Connections.Count == 2, TimeSpan.FromSeconds(10));
        var bareConn = sim.Connections.Single(c => c.Id != moduleConn).Id;

        await Task.Delay(500); // both answering
        lock (events) events.Clear();
        var closedBefore = sim.Stats.ConnectionsClosedForMissedAck;
        var reconnectsBefore = session.Reconnects;

        // The consumer: blocks HeartbeatBlockMs per object. Signals arrive at 50/s meanwhile.
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("$ms = $args[1]; Receive-C2Signal -Count $args[0] | ForEach-Object { [System.Threading.Thread]::Sleep($ms) }").AddArgument(cfg.HeartbeatBlockedObjects).AddArgument(cfg.HeartbeatBlockMs);
        var running = ps.BeginInvoke();
        var sw = Stopwatch.StartNew();
        while (!running.IsCompleted)
        {
            sim.PublishSignal(Sid);
            await Task.Delay(20);
            if (sw.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException("the blocked pipeline did not finish");
        }
        ps.EndInvoke(running);
        if (ps.Streams.Error.Count > 0) throw new InvalidOperationException("the blocked pipeline failed: " + ps.Streams.Error[0]);
        var window = sw.Elapsed;
        List<(int Conn, bool Ack, long Ts)> ev;
        lock (events) ev = events.ToList();

        stop.Cancel();
        await bare.CloseAsync();
        try { await bareLoop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        Env.Invoke(rs, "Disconnect-C2Socket -All");

        var (mLat, mMissed, mSent) = Pair(ev, moduleConn);
        var (bLat, bMissed, _) = Pair(ev, bareConn);
        var closed = sim.Stats.ConnectionsClosedForMissedAck - closedBefore;
        var reconnects = session.Reconnects - reconnectsBefore;
        double m50 = Stat.Percentile(mLat, 50), m99 = Stat.Percentile(mLat, 99), b50 = Stat.Percentile(bLat, 50), b99 = Stat.Percentile(bLat, 99);
        var deadlineMs = (interval + grace).TotalMilliseconds;
        var ok = mMissed == 0 && closed == 0 && reconnects == 0 && m99 / 1000 <= deadlineMs / 10;
        return new List<Row>
        {
            new("heartbeat ack p50", "blocked consumer: " + Stat.F(m50 / 1000, "ms"), "bare loop: " + Stat.F(b50 / 1000, "ms"), Stat.Ratio(m50 / b50), "(report)", "-",
                $"{mSent} heartbeats in {window.TotalSeconds:0.0} s while Receive-C2Signal | ForEach-Object {{ [Threading.Thread]::Sleep({cfg.HeartbeatBlockMs}) }} ran ({cfg.HeartbeatBlockedObjects} objects, 50 signals/s arriving); deadline = interval {interval.TotalMilliseconds:0} ms + grace {grace.TotalMilliseconds:0} ms"),
            new("heartbeat ack p99", "blocked consumer: " + Stat.F(m99 / 1000, "ms") + $", missed {mMissed}, closes {closed}, reconnects {reconnects}", "bare loop: " + Stat.F(b99 / 1000, "ms") + $", missed {bMissed}", Stat.Ratio(m99 / b99),
                $"0 missed; p99 <= 10% of {deadlineMs:0} ms deadline", Config.Met(ok)),
        };
    }

    /// <summary>Pairs each heartbeat with the next ack in order; the last heartbeat may still be in flight.</summary>
    private static (List<double> LatUs, int Missed, int Sent) Pair(List<(int Conn, bool Ack, long Ts)> ev, int conn)
    {
        var hbs = ev.Where(e => e.Conn == conn && !e.Ack).Select(e => e.Ts).ToList();
        var acks = ev.Where(e => e.Conn == conn && e.Ack).Select(e => e.Ts).ToList();
        var lat = new List<double>();
        var a = 0;
        // Acks answer heartbeats one for one, in order; an ack before the first recorded heartbeat belongs to an earlier one.
        while (a < acks.Count && hbs.Count > 0 && acks[a] < hbs[0]) a++;
        var missed = 0;
        for (var h = 0; h < hbs.Count; h++)
        {
            if (a < acks.Count) { lat.Add(Stat.TicksToUs(acks[a] - hbs[h])); a++; }
            else if (h < hbs.Count - 1) missed++; // the very last one may still be in flight
        }
        return (lat, missed, hbs.Count);
    }
}

/// <summary>
/// Case 6. 1000 signals already in the server's history; time from Add-C2Subscription -ResumeFrom to the 1000th
/// object through Receive-C2Signal | Out-Null. Baseline: a bare loop subscribing with the same resume_from.
/// </summary>
internal static class ReplayCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var n = cfg.ReplayMessages;
        var rounds = cfg.WarmupRounds + cfg.Rounds;
        await using var sim = await Env.StartSimAsync();
        for (var r = 0; r < rounds; r++)
        {
            sim.PublishSignals(6000 + r, n + 1);
            sim.PublishSignals(7000 + r, n + 1);
        }
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey);

        var module = new List<double>();
        var bareMs = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var warm = r < cfg.WarmupRounds;
            var outp = Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; Receive-C2Signal -Count $args[1] | Out-Null; $sw.Elapsed.TotalMilliseconds; Remove-C2Subscription -StrategyId $args[0]",
                6000 + r, n);
            var m = Convert.ToDouble(outp[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture);

            using var bare = await BareClient.ConnectAsync(sim);
            var counter = new BareCounter();
            var done = counter.Arm(n);
            using var stop = new CancellationTokenSource();
            var loop = Task.Run(() => bare.RunAsync((_, type, now) => { if (type == "strategy.signal") counter.Hit(now); return true; }, stop.Token));
            await Task.Delay(100);
            var start = Stopwatch.GetTimestamp();
            await bare.SubscribeAsync(7000 + r, 1);
            await done.WaitAsync(TimeSpan.FromSeconds(60));
            var b = Stat.TicksToMs(Stopwatch.GetTimestamp() - start);
            stop.Cancel();
            await bare.CloseAsync();
            try { await loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }

            Console.WriteLine($"   round {r + 1}{(warm ? " (warm-up)" : "")}: module {m:0} ms, bare {b:0} ms");
            if (warm) continue;
            module.Add(m); bareMs.Add(b);
        }
        Env.Invoke(rs, "Disconnect-C2Socket -All");
        var a = Stat.Median(module);
        var bb = Stat.Median(bareMs);
        return new List<Row>
        {
            new("replay burst", $"{n} replayed to pipeline: " + Stat.F(a, "ms"), "bare loop: " + Stat.F(bb, "ms"), Stat.Ratio(a / bb), "(report)", "-",
                "from Add-C2Subscription -ResumeFrom to the last object through Receive-C2Signal | Out-Null (includes the subscribe round trip)"),
        };
    }
}

/// <summary>
/// Case 7. A fresh runspace: open the engine, Import-Module, Connect-C2Socket + Add-C2Subscription, first signal
/// through Receive-C2Signal -Count 1. The first iteration is the first use of the engine and the module in this
/// process (JIT, type loading); the rest are warm. Baselines: a runspace with no import, and a bare client.
/// </summary>
internal static class ColdStartCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        await using var sim = await Env.StartSimAsync();
        long sid = 8000;
        (double Engine, double Import, double Connect, double First) Once()
        {
            sid++;
            var t = Stopwatch.StartNew();
            using var rs = Env.OpenRunspace(importModule: false);
            var engine = t.Elapsed.TotalMilliseconds;
            Env.Invoke(rs, "Import-Module -Name $args[0] -ErrorAction Stop", Repo.ModuleManifest);
            var import = t.Elapsed.TotalMilliseconds;
            Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]; $null = Add-C2Subscription -StrategyId $args[2]", sim.Uri, sim.DemoApiKey, sid);
            var connect = t.Elapsed.TotalMilliseconds;
            sim.PublishSignal(sid);
            Env.Invoke(rs, "$null = Receive-C2Signal -Count 1 -TimeoutSec 30");
            var first = t.Elapsed.TotalMilliseconds;
            Env.Invoke(rs, "Disconnect-C2Socket -All");
            return (engine, import - engine, connect - import, first - connect);
        }

        var cold = Once();
        Console.WriteLine($"   first in process: engine {cold.Engine:0} ms, import {cold.Import:0} ms, connect+subscribe {cold.Connect:0} ms, first signal {cold.First:0} ms");
        var warm = new List<(double Engine, double Import, double Connect, double First)>();
        for (var r = 0; r < cfg.Rounds; r++) warm.Add(Once());
        var bare = new List<double>();
        for (var r = 0; r < cfg.Rounds + 1; r++)
        {
            sid++;
            var t = Stopwatch.StartNew();
            using var c = await BareClient.ConnectAsync(sim);
            var counter = new BareCounter();
            var done = counter.Arm(1);
            using var stop = new CancellationTokenSource();
            var gotAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var loop = Task.Run(() => c.RunAsync((_, type, now) => { if (type == "subscription.ack") gotAck.TrySetResult(); if (type == "strategy.signal") counter.Hit(now); return true; }, stop.Token));
            await c.SubscribeAsync(sid);
            await gotAck.Task.WaitAsync(TimeSpan.FromSeconds(10));
            sim.PublishSignal(sid);
            await done.WaitAsync(TimeSpan.FromSeconds(10));
            if (r > 0) bare.Add(t.Elapsed.TotalMilliseconds);
            stop.Cancel();
            await c.CloseAsync();
        }
        double Total((double Engine, double Import, double Connect, double First) x) => x.Engine + x.Import + x.Connect + x.First;
        var wTotal = Stat.Median(warm.Select(Total));
        var wEngine = Stat.Median(warm.Select(x => x.Engine));
        var wImport = Stat.Median(warm.Select(x => x.Import));
        var wConnect = Stat.Median(warm.Select(x => x.Connect));
        var wFirst = Stat.Median(warm.Select(x => x.First));
        var bareMed = Stat.Median(bare);
        return new List<Row>
        {
            new("cold start, first in process", Config.Inv($"runspace+import+connect+first signal: {Total(cold):N0} ms (import {cold.Import:0} ms, connect {cold.Connect:0} ms)"),
                Config.Inv($"runspace alone: {cold.Engine:N0} ms"), Stat.Ratio(Total(cold) / cold.Engine), "(report)", "-",
                "first use of the engine and the module in the process: JIT and type loading dominate"),
            new("cold start, warm process", Config.Inv($"fresh runspace+import+connect+first: {wTotal:0} ms (import {wImport:0}, connect {wConnect:0}, first {wFirst:0})"),
                Config.Inv($"runspace alone {wEngine:0} ms; bare client connect+subscribe+first {bareMed:0.0} ms"), Stat.Ratio(wTotal / wEngine), "(report)", "-"),
        };
    }
}
