using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 1. N synthetic ~400-byte signals are published while the simulator is paused, then released at once, so
/// the server only writes pre-built frames; each client is timed from its first to its last received signal.
/// Rounds interleave the three clients (module session, bare ClientWebSocket + JsonDocument, Node ws).
/// </summary>
internal static class SessionThroughputCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var n = cfg.ThroughputMessages;
        await using var sim = await Env.StartSimAsync();
        const long SessionSid = 1001, BareSid = 1002, NodeSid = 1003;

        // The module: a C2Session, its inbox drained on a dedicated thread (what Receive-C2Signal's thread does, minus PowerShell).
        using var session = await Env.OpenSessionAsync(sim, o => o.InboxCapacity = n * 2);
        await session.SubscribeAsync("strategy.signal", SessionSid, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        // The ceiling: a bare loop on its own connection.
        using var bare = await BareClient.ConnectAsync(sim);
        var bareRound = new BareCounter();
        using var bareStop = new CancellationTokenSource();
        var bareLoop = Task.Run(() => bare.RunAsync((root, type, now) => { if (type == "strategy.signal") bareRound.Hit(now); return true; }, bareStop.Token));
        await bare.SubscribeAsync(BareSid);

        // Node's ws.
        var totalRounds = cfg.ThroughputWarmupRounds + cfg.ThroughputRounds;
        using var node = await NodeClient.StartAsync(sim, NodeSid, n, totalRounds);

        await sim.WaitForAsync(s => s.Stats.Subscribes >= (node.Skipped == null ? 3 : 2), TimeSpan.FromSeconds(20));

        var sessionRates = new List<double>();
        var bareRates = new List<double>();
        var sessionCpu = new List<double>();
        var bareCpu = new List<double>();
        var nodeRates = new List<double>();
        (double Session, double Bare) firstBurst = default;
        for (var round = 0; round < totalRounds; round++)
        {
            var warm = round < cfg.ThroughputWarmupRounds;

            double sRate = double.NaN, bRate = double.NaN, nRate = double.NaN, sCpu = double.NaN, bCpu = double.NaN;
            // The order rotates from round to round, so no client is always the one right after another's burst.
            for (var k = 0; k < 3; k++)
            {
                switch ((round + k) % 3)
                {
                    case 0: // Module session.
                        var drained = Task.Factory.StartNew(() => Drain(session, n), TaskCreationOptions.LongRunning);
                        var sCpu0 = PublishBurstTimed(sim, SessionSid, n);
                        sRate = await drained;
                        sCpu = CpuUsPerMessage(sCpu0, n);
                        break;
                    case 1: // Bare loop.
                        var bareDone = bareRound.Arm(n);
                        var bCpu0 = PublishBurstTimed(sim, BareSid, n);
                        bRate = RateOf(n, await bareDone.WaitAsync(TimeSpan.FromSeconds(120)));
                        bCpu = CpuUsPerMessage(bCpu0, n);
                        break;
                    default: // Node.
                        if (node.Skipped != null) break;
                        var roundTask = node.NextRoundAsync();
                        PublishBurst(sim, NodeSid, n);
                        var ns = await roundTask;
                        if (ns.HasValue) nRate = (n - 1) / (ns.Value / 1e9);
                        break;
                }
            }
            Console.WriteLine($"   round {round + 1}{(warm ? " (warm-up)" : "")}: session {sRate:N0}/s ({sCpu:0.00} us CPU/msg), bare {bRate:N0}/s ({bCpu:0.00} us), node {(double.IsNaN(nRate) ? "skipped" : nRate.ToString("N0"))}/s");
            if (round == 0) firstBurst = (sRate, bRate);
            if (warm) continue;
            sessionRates.Add(sRate); bareRates.Add(bRate); sessionCpu.Add(sCpu); bareCpu.Add(bCpu); if (!double.IsNaN(nRate)) nodeRates.Add(nRate);
        }
        bareStop.Cancel();
        await bare.CloseAsync();
        try { await bareLoop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }

        var s = Stat.Median(sessionRates);
        var b = Stat.Median(bareRates);
        var rows = new List<Row>
        {
            new("session throughput", "module session: " + Stat.F(s, "msg/s"), "bare ClientWebSocket+JsonDocument: " + Stat.F(b, "msg/s"), Stat.Ratio(s / b), ">= 1.0x bare", Config.Met(s / b >= 1.0),
                $"{n} signals of ~{sim.Options.SyntheticPayloadBytes} bytes per round, first-to-last received (the session: from the loop queueing the first to the reader taking the last); session work = receive, envelope decode, sequencing and dedup, inbox; drained by one thread (what Receive-C2Signal does, minus PowerShell)"),
        };
        var sc = Stat.Median(sessionCpu);
        var bc = Stat.Median(bareCpu);
        rows.Add(new("session CPU per message", Config.Inv($"module session: {sc:0.00} us"), Config.Inv($"bare loop: {bc:0.00} us"), Stat.Ratio(sc / bc), "(report)", "-",
            "the whole process's CPU time (server, client, reader) from the burst's release to its last message taken, per message: what the rate costs on 2 cores; steadier than the rate"));
        if (node.Skipped != null)
            rows.Add(new("session vs Node ws", "module session: " + Stat.F(s, "msg/s"), "Node ws: skipped", "n/a", ">= 1.5x Node", "skipped", node.Skipped));
        else
        {
            var nd = Stat.Median(nodeRates);
            rows.Add(new("session vs Node ws", "module session: " + Stat.F(s, "msg/s"), "Node " + node.Version + " ws " + node.WsVersion + " JSON.parse: " + Stat.F(nd, "msg/s"), Stat.Ratio(s / nd), ">= 1.5x Node", Config.Met(s / nd >= 1.5)));
        }
        rows.Add(new("session throughput, first burst", "module session: " + Stat.F(firstBurst.Session, "msg/s"), "bare loop: " + Stat.F(firstBurst.Bare, "msg/s"), Stat.Ratio(firstBurst.Session / firstBurst.Bare), "(report)", "-",
            $"the first burst after connecting (round 1 of the {cfg.ThroughputWarmupRounds} warm-up rounds): the module's code still runs tier-0 JIT code, the bare loop the framework's precompiled code"));
        return rows;
    }

    internal static double RateOf(int n, double seconds) => (n - 1) / seconds;

    /// <summary>Publishes n signals while paused, then releases them in one go; returns the process's CPU time at the
    /// release (building the frames not included), for <see cref="CpuUsPerMessage"/>.</summary>
    internal static TimeSpan PublishBurstTimed(C2Simulator sim, long strategyId, int n, Action? atRelease = null)
    {
        sim.PausePublishing();
        sim.PublishSignals(strategyId, n);
        atRelease?.Invoke();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sim.ResumePublishing();
        return cpu;
    }

    internal static double CpuUsPerMessage(TimeSpan since, int n) => (Process.GetCurrentProcess().TotalProcessorTime - since).TotalMilliseconds * 1000 / n;

    /// <summary>The same, when the CPU time is not wanted.</summary>
    internal static void PublishBurst(C2Simulator sim, long strategyId, int n) => PublishBurstTimed(sim, strategyId, n);

    /// <summary>Stopwatch ticks of the first signal the last Drain took (profile: the loop's own rate).</summary>
    internal static long LastDrainFirst;

    internal static double Drain(C2Session session, int n)
    {
        // Timed like the bare loop (first to last message received): from when the loop queued the first signal
        // (its ReceivedAt) to when the reader took the last. Timing from the first take instead would leave out the
        // wait until the reader is woken for the burst's first batch, and flatter the session.
        long first = 0, firstQueued = 0, lastUtc = 0;
        using var reader = new InboxReader(new[] { session });
        for (var i = 0; i < n; i++)
        {
            if (!reader.TryTake(null, TimeSpan.FromSeconds(60), CancellationToken.None, out _, out var taken)) throw new TimeoutException("session inbox: got " + i + " of " + n);
            if (i == 0)
            {
                first = Stopwatch.GetTimestamp();
                firstQueued = ((C2StreamMessage)taken.Item).ReceivedAt.UtcTicks;
            }
            if (i == n - 1) lastUtc = DateTime.UtcNow.Ticks;
            if (taken.Item is C2StreamMessage m) session.MarkProcessed(m);
        }
        LastDrainFirst = first;
        return RateOf(n, (lastUtc - firstQueued) / 1e7);
    }
}

/// <summary>Counts signals on a bare loop and completes a round with the seconds from first to last.</summary>
internal sealed class BareCounter
{
    private int _target, _count;
    private long _first;
    private TaskCompletionSource<double> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<double> Arm(int n)
    {
        _done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        _count = 0;
        Volatile.Write(ref _target, n);
        return _done.Task;
    }

    public void Hit(long now)
    {
        if (_count == 0) _first = now;
        if (++_count == Volatile.Read(ref _target)) _done.TrySetResult(Stat.TicksToMs(now - _first) / 1000.0);
    }
}

/// <summary>The Node ws client: npm installs ws into node/node_modules on first use.</summary>
internal sealed class NodeClient : IDisposable
{
    private Process? _proc;
    public string? Skipped { get; private set; }
    public string Version { get; private set; } = "";
    public string WsVersion { get; private set; } = "";

    public static async Task<NodeClient> StartAsync(C2Simulator sim, long strategyId, int perRound, int rounds)
    {
        var c = new NodeClient();
        try
        {
            c.Version = (await RunAsync("node", "--version", Repo.NodeDir, 20)).Trim();
            if (!File.Exists(Path.Combine(Repo.NodeDir, "node_modules", "ws", "package.json")))
            {
                Console.WriteLine("   installing ws with npm into " + Path.Combine(Repo.NodeDir, "node_modules"));
                await RunAsync("npm", "install --no-audit --no-fund --loglevel=error", Repo.NodeDir, 180);
            }
            var pkg = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.NodeDir, "node_modules", "ws", "package.json")));
            c.WsVersion = pkg.RootElement.GetProperty("version").GetString() ?? "";
        }
        catch (Exception ex)
        {
            c.Skipped = "Node ws unavailable: " + ex.Message.Split('\n')[0];
            return c;
        }
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Repo.NodeDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "ws-client.js", sim.Uri.ToString(), sim.DemoApiKey, strategyId.ToString(), perRound.ToString(), rounds.ToString() }) psi.ArgumentList.Add(a);
        c._proc = Process.Start(psi)!;
        var ready = await c.ReadLineAsync(TimeSpan.FromSeconds(20));
        if (ready != "READY")
        {
            c.Skipped = "Node ws client did not subscribe: " + (ready ?? "no output") + " " + await SafeStderr(c._proc);
            c.Dispose();
        }
        return c;
    }

    private static async Task<string> SafeStderr(Process p)
    {
        try { return (await p.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(1))).Trim(); } catch (Exception) { return ""; }
    }

    private async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        try { return await _proc!.StandardOutput.ReadLineAsync().WaitAsync(timeout); }
        catch (TimeoutException) { return null; }
    }

    /// <summary>Nanoseconds from first to last signal of the next round, or null (and Skipped set) on failure.</summary>
    public async Task<double?> NextRoundAsync()
    {
        var line = await ReadLineAsync(TimeSpan.FromSeconds(120));
        var parts = line?.Split(' ');
        if (parts is { Length: 3 } && parts[0] == "ROUND" && double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ns)) return ns;
        Skipped = "Node ws client failed mid-run: " + (line ?? "no output");
        return null;
    }

    private static async Task<string> RunAsync(string file, string args, string dir, int timeoutSec)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSec));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { try { p.Kill(true); } catch (Exception) { } throw new TimeoutException(file + " " + args + " took over " + timeoutSec + " s"); }
        if (p.ExitCode != 0) throw new InvalidOperationException(file + " " + args + " exited with " + p.ExitCode + ": " + (await stderr).Trim());
        return await stdout;
    }

    public void Dispose()
    {
        if (_proc == null) return;
        try { if (!_proc.HasExited) { _proc.Kill(true); _proc.WaitForExit(2000); } } catch (Exception) { }
        _proc.Dispose();
        _proc = null;
    }
}

/// <summary>
/// Case 2. Receive-C2Signal -Count N | Where-Object {...} in the hosted engine, the inbox pre-filled with N signals
/// (so the figure is the cmdlet and pipeline cost, not the network), against the same Where-Object over the same N
/// objects already in an array (the engine's floor for that pipeline).
/// </summary>
internal static class PipelineCase
{
    private const string Filter = "Where-Object { $_.side -eq 'buy' }";

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var n = cfg.PipelineMessages;
        const long Sid = 2001;
        await using var sim = await Env.StartSimAsync();
        using var rs = Env.OpenRunspace();
        var session = (C2Session)Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -InboxCapacity $args[2]; $null = Add-C2Subscription -StrategyId $args[3]; $s",
            sim.Uri, sim.DemoApiKey, n * 2, Sid)[0].BaseObject;

        var module = new List<double>();
        var fresh = new List<double>();
        var cached = new List<double>();
        var viaCmdlet = new List<double>();
        double Rate(double ms) => n / (ms / 1000.0);
        var settle = new JitQuiet(cfg.WarmupRounds, cfg.PipelineWarmupMax);
        var warm = true;
        for (var round = 0; module.Count < cfg.PipelineRounds; round++)
        {
            // Objects as Receive-C2Signal emits them, not yet looked at (their payload is decoded on the first property read).
            await FillAsync(sim, session, Sid, n);
            Env.Invoke(rs, "$fresh = @(Receive-C2Signal -Count $args[0])" + (round == 0 ? "; $objs = $fresh" : ""), n);
            await FillAsync(sim, session, Sid, n);
            var m = Ms(Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $r = Receive-C2Signal -Count $args[0] | " + Filter + "; $sw.Elapsed.TotalMilliseconds; $r.Count", n));
            var f = Ms(Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $r = $fresh | " + Filter + "; $sw.Elapsed.TotalMilliseconds; $r.Count"));
            // The first runs' floor: the objects of round 1 again, their payload decoded (and cached) long ago.
            var c = Ms(Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $r = $objs | " + Filter + "; $sw.Elapsed.TotalMilliseconds; $r.Count"));
            // The engine's cost of a compiled cmdlet as the pipeline's source, on those same cached objects.
            var w = Ms(Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $r = Write-BenchObject $objs | " + Filter + "; $sw.Elapsed.TotalMilliseconds; $r.Count"));
            Console.WriteLine($"   round {round + 1}{(warm ? " (warm-up)" : "")}: Receive-C2Signal|Where-Object {Rate(m):N0}/s ({m:0} ms), floor {Rate(f):N0}/s ({f:0} ms); cached objects {Rate(c):N0}/s, Write-BenchObject of them {Rate(w):N0}/s");
            if (warm) { warm = !settle.RoundEnded(); continue; }
            module.Add(Rate(m)); fresh.Add(Rate(f)); cached.Add(Rate(c)); viaCmdlet.Add(Rate(w));
        }
        Env.Invoke(rs, "Disconnect-C2Socket -All");
        var a = Stat.Median(module);
        var b = Stat.Median(fresh);
        var cc = Stat.Median(cached);
        var ww = Stat.Median(viaCmdlet);
        return new List<Row>
        {
            new("pipeline throughput", "Receive-C2Signal -Count N | Where-Object: " + Stat.F(a, "obj/s"), "engine floor ($objs | Where-Object): " + Stat.F(b, "obj/s"), Stat.Ratio(a / b), ">= 0.9x floor", Config.Met(a / b >= 0.9),
                $"N = {n}; the inbox is filled before the timed pipeline starts; the floor runs the same filter over as many objects that Receive-C2Signal emitted untimed just before, not yet looked at, so both decode each payload on its first property read; " + settle.Describe()),
            new("pipeline vs cached objects", "Receive-C2Signal -Count N | Where-Object: " + Stat.F(a, "obj/s"), "$objs | Where-Object, payloads decoded earlier: " + Stat.F(cc, "obj/s"), Stat.Ratio(a / cc), "(report)", "-",
                Config.Inv($"the first runs' floor: the objects of round 1 again, whose first property read (payload decode, the engine's lookup of the adapted property) happened in round 1; a compiled cmdlet writing those same objects (Write-BenchObject $objs | Where-Object) runs at {ww:N0} obj/s, so a cmdlet as the source costs nothing extra: the difference is that first read")),
        };
    }

    private static double Ms(List<PSObject> output) => Convert.ToDouble(output[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task FillAsync(C2Simulator sim, C2Session session, long sid, int n)
    {
        SessionThroughputCase.PublishBurst(sim, sid, n);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (session.InboxCount < n)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("inbox holds " + session.InboxCount + " of " + n);
            await Task.Delay(20);
        }
    }
}
