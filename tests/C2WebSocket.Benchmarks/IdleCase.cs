using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 5. The simulator runs in a child process (so its heartbeat loop and Kestrel are not billed to the client);
/// this process measures its own CPU time (Process.TotalProcessorTime) and memory over a window with no session, then
/// over a window with one connected, subscribed, idle C2Session answering heartbeats every 100 ms.
/// </summary>
internal static class IdleCase
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        using var sim = StartChild("--serve-sim");
        var line = await sim.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var parts = line?.Split(' ');
        if (parts is not { Length: 3 } || parts[0] != "SIM") throw new InvalidOperationException("the simulator child process said: " + line);
        try
        {
            // The measuring process is fresh too: nothing left over from other cases (tiering, finalizers, sockets).
            using var probe = StartChild("--idle-probe", parts[1], parts[2], cfg.IdleBaselineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), cfg.IdleSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string? result = null;
            while (await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(cfg.IdleSeconds + cfg.IdleBaselineSeconds + 60)) is { } l)
            {
                if (l.StartsWith("RESULT ", StringComparison.Ordinal)) result = l.Substring(7);
                else Console.WriteLine(l);
            }
            if (result == null) throw new InvalidOperationException("the idle probe gave no result: " + probe.StandardError.ReadToEnd());
            var r = System.Text.Json.JsonSerializer.Deserialize<ProbeResult>(result)!;
            var baseline = r.Baseline;
            var idle = r.Idle;
            var acks = r.Acks;
            var bareExtra = r.Bare.CpuPct - baseline.CpuPct;
            var extra = idle.CpuPct - baseline.CpuPct;
            var heapGrowth = (idle.HeapEnd - idle.HeapStart) / 1e6;
            var wsGrowth = (idle.WsEnd - idle.WsStart) / 1e6;
            var perHbUs = acks > 0 ? (idle.CpuMs - baseline.CpuMs * idle.WallMs / baseline.WallMs) * 1000 / acks : double.NaN;
            return new List<Row>
            {
                new("idle CPU", Config.Inv($"idle session: {idle.CpuPct:0.000}% of a core ({extra:+0.000;-0.000}% over no session)"), Config.Inv($"same process, no session: {baseline.CpuPct:0.000}%"),
                    Stat.Ratio(baseline.CpuPct > 0 ? idle.CpuPct / baseline.CpuPct : double.NaN), "(report: depends on the heartbeat rate)", "-",
                    Config.Inv($"{cfg.IdleSeconds:0} s window after a JIT settle, heartbeat every {Interval.TotalMilliseconds:0} ms ({acks} acks, ~{perHbUs:0} us CPU per heartbeat); simulator and probe in their own child processes; at C2's real 30 s interval the heartbeat share is 300x smaller")),
                new("idle CPU vs bare loop", Config.Inv($"idle session: {extra:+0.000;-0.000}% over no session"), Config.Inv($"bare ClientWebSocket answering the same heartbeats: {bareExtra:+0.000;-0.000}% ({r.BareAcks} acks)"),
                    Stat.Ratio(bareExtra > 0 ? extra / bareExtra : double.NaN), "<= 1.0x bare", Config.Met(bareExtra > 0 && extra / bareExtra <= 1.0),
                    "what the module adds over the stack's own cost of receiving a heartbeat and sending an ack"),
                new("idle memory", Config.Inv($"managed heap {heapGrowth:+0.00;-0.00} MB, working set {wsGrowth:+0.0;-0.0} MB over the window"), Config.Inv($"no session: heap {(baseline.HeapEnd - baseline.HeapStart) / 1e6:+0.00;-0.00} MB, WS {(baseline.WsEnd - baseline.WsStart) / 1e6:+0.0;-0.0} MB"),
                    "n/a", "flat (heap growth < 1 MB)", Config.Met(heapGrowth < 1.0),
                    Config.Inv($"heap measured after a full GC at both ends of the window; session working set {idle.WsEnd / 1e6:0.0} MB vs {baseline.WsEnd / 1e6:0.0} MB without")),
            };
        }
        finally
        {
            try { sim.StandardInput.Close(); } catch (Exception) { }
            if (!sim.WaitForExit(5000)) try { sim.Kill(true); } catch (Exception) { }
        }
    }

    public sealed record ProbeResult(Window Baseline, Window Idle, long Acks, Window Bare, long BareAcks);

    /// <summary>The measuring child: a window with no session, then one with an idle subscribed session.</summary>
    public static async Task<int> ProbeAsync(string[] args)
    {
        var uri = new Uri(args[1]);
        var key = args[2];
        var baseSecs = double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var secs = double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(1000);
        var baseline = await MeasureAsync(baseSecs);
        Console.WriteLine($"   no session: {baseline.CpuPct:0.000}% of a core, heap {baseline.HeapStart / 1e6:0.0} -> {baseline.HeapEnd / 1e6:0.0} MB, working set {baseline.WsStart / 1e6:0.0} -> {baseline.WsEnd / 1e6:0.0} MB");
        var o = new C2SessionOptions { Uri = uri, ApiKey = Env.Secure(key), HeartbeatTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var session = new C2Session(o);
        await session.OpenAsync(CancellationToken.None);
        await session.SubscribeAsync("strategy.signal", 9001, null, TimeSpan.FromSeconds(10), CancellationToken.None);
        // Settle: tiered JIT recompiles the heartbeat path after enough calls (tier 0, instrumented, tier 1);
        // measuring before it finishes bills the compiler thread, not the steady state.
        await Task.Delay(Settle(secs));
        var hb0 = session.HeartbeatAcksSent;
        var idle = await MeasureAsync(secs);
        var acks = session.HeartbeatAcksSent - hb0;
        Console.WriteLine($"   idle session: {idle.CpuPct:0.000}% of a core, heap {idle.HeapStart / 1e6:0.0} -> {idle.HeapEnd / 1e6:0.0} MB, working set {idle.WsStart / 1e6:0.0} -> {idle.WsEnd / 1e6:0.0} MB, {acks} acks sent");
        await session.CloseAsync(TimeSpan.FromSeconds(2));

        // The ceiling of the stack: a bare ClientWebSocket that answers the same heartbeats and does nothing else.
        using var bare = new System.Net.WebSockets.ClientWebSocket();
        bare.Options.SetRequestHeader("Authorization", "Bearer " + key);
        await bare.ConnectAsync(uri, CancellationToken.None);
        var bareAcks = new long[1];
        using var stopBare = new CancellationTokenSource();
        var loop = Task.Run(() => BareLoopAsync(bare, bareAcks, stopBare.Token));
        await Task.Delay(Settle(secs));
        var bare0 = Interlocked.Read(ref bareAcks[0]);
        var bareWindow = await MeasureAsync(secs);
        var bareCount = Interlocked.Read(ref bareAcks[0]) - bare0;
        Console.WriteLine($"   bare loop: {bareWindow.CpuPct:0.000}% of a core, {bareCount} acks sent");
        stopBare.Cancel();
        try { await loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        Console.WriteLine("RESULT " + System.Text.Json.JsonSerializer.Serialize(new ProbeResult(baseline, idle, acks, bareWindow, bareCount)));
        return 0;
    }

    /// <summary>A bare ClientWebSocket answering heartbeats: parse each message, send an ack to a heartbeat.</summary>
    private static async Task BareLoopAsync(System.Net.WebSockets.ClientWebSocket bare, long[] acks, CancellationToken stop)
    {
        var buf = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await bare.ReceiveAsync(new ArraySegment<byte>(buf), stop);
                if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) return;
                using var doc = System.Text.Json.JsonDocument.Parse(new ReadOnlyMemory<byte>(buf, 0, r.Count));
                if (doc.RootElement.GetProperty("msg_type").GetString() == "heartbeat")
                {
                    var msg = System.Text.Encoding.UTF8.GetBytes("{\"msg_type\":\"heartbeat.ack\",\"timestamp\":\"" + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "\"}");
                    await bare.SendAsync(new ArraySegment<byte>(msg), System.Net.WebSockets.WebSocketMessageType.Text, true, stop);
                    Interlocked.Increment(ref acks[0]);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (System.Net.WebSockets.WebSocketException) { }
    }

    /// <summary>
    /// `--idle-one session|bare seconds [rounds]`: a simulator child with 100 ms heartbeats and ONE client in this
    /// process, idle for the window, for an outside sampler (perf) and for A/B runs of two builds: prints the process's
    /// CPU per heartbeat answered, per window (the process's own idle CPU is included: compare like with like).
    /// </summary>
    public static async Task<int> OneAsync(string[] args)
    {
        var which = args[1];
        var secs = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
        using var sim = StartChild("--serve-sim");
        var line = await sim.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var parts = line?.Split(' ');
        if (parts is not { Length: 3 } || parts[0] != "SIM") throw new InvalidOperationException("the simulator child process said: " + line);
        var uri = new Uri(parts[1]);
        try
        {
            Func<long> count;
            IDisposable client;
            using var stop = new CancellationTokenSource();
            if (which == "session")
            {
                var o = new C2SessionOptions { Uri = uri, ApiKey = Env.Secure(parts[2]), HeartbeatTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(10) };
                var session = new C2Session(o);
                await session.OpenAsync(CancellationToken.None);
                await session.SubscribeAsync("strategy.signal", 9001, null, TimeSpan.FromSeconds(10), CancellationToken.None);
                count = () => session.HeartbeatAcksSent;
                client = session;
            }
            else
            {
                var bare = new System.Net.WebSockets.ClientWebSocket();
                bare.Options.SetRequestHeader("Authorization", "Bearer " + parts[2]);
                await bare.ConnectAsync(uri, CancellationToken.None);
                var acks = new long[1];
                _ = Task.Run(() => BareLoopAsync(bare, acks, stop.Token));
                count = () => Interlocked.Read(ref acks[0]);
                client = bare;
            }
            await Task.Delay(Settle(secs)); // the JIT settle of the idle case (not synchronisation): the window measures the tiered heartbeat path
            for (var r = 0; r < rounds; r++)
            {
                var a0 = count();
                var items0 = ThreadPool.CompletedWorkItemCount;
                var locks0 = Monitor.LockContentionCount;
                var w = await MeasureAsync(secs);
                var n = count() - a0;
                var items = ThreadPool.CompletedWorkItemCount - items0;
                Console.WriteLine(System.FormattableString.Invariant($"{which}: {w.CpuPct:0.000}% of a core, {n} acks, {w.CpuMs * 1000 / Math.Max(1, n):0} us CPU per ack, {(double)items / Math.Max(1, n):0.00} thread-pool work items per ack, {ThreadPool.ThreadCount} pool threads, lock contentions {Monitor.LockContentionCount - locks0}"));
            }
            stop.Cancel();
            client.Dispose();
        }
        finally
        {
            try { sim.StandardInput.Close(); } catch (Exception) { }
            if (!sim.WaitForExit(5000)) try { sim.Kill(true); } catch (Exception) { }
        }
        return 0;
    }

    private static TimeSpan Settle(double windowSeconds) => TimeSpan.FromSeconds(windowSeconds >= 30 ? 20 : 8);

    public sealed record Window(double CpuPct, double CpuMs, double WallMs, long HeapStart, long HeapEnd, long WsStart, long WsEnd);

    private static async Task<Window> MeasureAsync(double seconds)
    {
        var p = Process.GetCurrentProcess();
        var heap0 = GC.GetTotalMemory(true);
        p.Refresh();
        var ws0 = p.WorkingSet64;
        var cpu0 = p.TotalProcessorTime;
        var t = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        p.Refresh();
        var cpu = (p.TotalProcessorTime - cpu0).TotalMilliseconds;
        var wall = t.Elapsed.TotalMilliseconds;
        var ws1 = p.WorkingSet64;
        var heap1 = GC.GetTotalMemory(true);
        return new Window(cpu / wall * 100, cpu, wall, heap0, heap1, ws0, ws1);
    }

    internal static Process StartChild(params string[] args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var psi = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) psi.ArgumentList.Add(typeof(IdleCase).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the simulator child process");
    }

    /// <summary>The child process: a simulator with 100 ms heartbeats until stdin closes.</summary>
    public static async Task<int> ServeSimAsync(string[] args)
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { HeartbeatInterval = Interval, HeartbeatGrace = TimeSpan.FromSeconds(1) });
        Console.WriteLine("SIM " + sim.Uri + " " + sim.DemoApiKey);
        Console.Out.Flush();
        await Task.Run(() => { while (Console.In.ReadLine() != null) { } });
        return 0;
    }
}
