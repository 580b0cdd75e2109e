using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 5. The simulator runs in a child process (so its heartbeat loop and Kestrel are not billed to the client),
/// and so does the measuring probe: it measures its own CPU time (Process.TotalProcessorTime), thread-pool work items
/// and memory over windows with no client, with one connected, subscribed, idle C2Session answering heartbeats every
/// 100 ms, and with a bare ClientWebSocket answering the same heartbeats. The session's HeartbeatTimeout is 1.5
/// heartbeat intervals, C2's default proportion (45 s for 30 s heartbeats). The three kinds of window take turns
/// (session, none, bare, then the reverse) and the figures are medians: an idle process's own CPU moves between
/// windows, with the host and with the number of thread-pool workers the runtime keeps (each spins after a work
/// item), by more than the two clients differ.
/// </summary>
internal static class IdleCase
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    /// <summary>C2's default timeout in proportion: 45 s for heartbeats every 30 s.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromTicks(Interval.Ticks * 3 / 2);

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        await using var sim = await RemoteSim.StartAsync("--serve-sim");
        // The measuring process is fresh too: nothing left over from other cases (tiering, finalizers, sockets).
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        using var probe = StartChild("--idle-probe", sim.Uri.ToString(), sim.DemoApiKey, cfg.IdleSeconds.ToString(inv), cfg.IdleRounds.ToString(inv), cfg.IdleSettleAcks.ToString(inv));
        string? result = null;
        var limit = TimeSpan.FromSeconds(cfg.IdleRounds * 3 * (cfg.IdleSeconds + 5) + 2 * cfg.IdleSettleAcks * Interval.TotalSeconds + 60);
        while (await probe.StandardOutput.ReadLineAsync().WaitAsync(limit) is { } l)
        {
            if (l.StartsWith("RESULT ", StringComparison.Ordinal)) result = l.Substring(7);
            else Console.WriteLine(l);
        }
        if (result == null) throw new InvalidOperationException("the idle probe gave no result: " + probe.StandardError.ReadToEnd());
        var w = System.Text.Json.JsonSerializer.Deserialize<List<Window>>(result)!;
        List<Window> Of(string kind) => w.FindAll(x => x.Kind == kind);
        var none = Of("none");
        var session = Of("session");
        var bare = Of("bare");
        // Each client window against the no-client window of its own round.
        double Extra(Window x) => x.CpuPct - none.Find(n => n.Round == x.Round)!.CpuPct;
        var extra = Stat.Median(session.ConvertAll(Extra));
        var bareExtra = Stat.Median(bare.ConvertAll(Extra));
        var noneCpu = Stat.Median(none.ConvertAll(x => x.CpuPct));
        var sessionCpu = Stat.Median(session.ConvertAll(x => x.CpuPct));
        var acks = session.Sum(x => x.Acks);
        var perHbUs = Stat.Median(session.ConvertAll(x => Extra(x) / 100 * x.WallMs * 1000 / Math.Max(1, x.Acks)));
        var items = Stat.Median(session.ConvertAll(x => x.ItemsPerAck));
        var bareItems = Stat.Median(bare.ConvertAll(x => x.ItemsPerAck));
        var heapGrowth = session.Max(x => x.HeapEnd - x.HeapStart) / 1e6;
        var wsGrowth = session.Max(x => x.WsEnd - x.WsStart) / 1e6;
        var reconnects = session.Sum(x => x.Reconnects);
        var windows = Config.Inv($"{session.Count} windows of {cfg.IdleSeconds:0} s each kind, taking turns (medians)");
        return new List<Row>
        {
            new("idle CPU", Config.Inv($"idle session: {sessionCpu:0.000}% of a core ({extra:+0.000;-0.000}% over no client)"), Config.Inv($"same process, no client: {noneCpu:0.000}%"),
                Stat.Ratio(noneCpu > 0 ? sessionCpu / noneCpu : double.NaN), "(report: depends on the heartbeat rate)", "-",
                Config.Inv($"{windows}; heartbeat every {Interval.TotalMilliseconds:0} ms ({acks} acks, ~{perHbUs:0} us CPU per heartbeat), HeartbeatTimeout {Timeout.TotalMilliseconds:0} ms; simulator and probe in their own child processes; at C2's real 30 s interval the heartbeat share is 300x smaller")),
            new("idle CPU vs bare loop", Config.Inv($"idle session: {extra:+0.000;-0.000}% over no client, {items:0.00} thread-pool work items per ack"),
                Config.Inv($"bare ClientWebSocket answering the same heartbeats: {bareExtra:+0.000;-0.000}%, {bareItems:0.00} work items per ack"),
                Stat.Ratio(bareExtra > 0 ? extra / bareExtra : double.NaN), "<= 1.0x bare", Config.Met(bareExtra > 0 && extra / bareExtra <= 1.0),
                Config.Inv($"what the module adds over the stack's own cost of receiving a heartbeat and sending an ack, the watchdog included ({reconnects} reconnects in the session windows); {windows}")),
            new("idle memory", Config.Inv($"managed heap {heapGrowth:+0.00;-0.00} MB, working set {wsGrowth:+0.0;-0.0} MB over a window (largest)"),
                Config.Inv($"no client: heap {none.Max(x => x.HeapEnd - x.HeapStart) / 1e6:+0.00;-0.00} MB, WS {none.Max(x => x.WsEnd - x.WsStart) / 1e6:+0.0;-0.0} MB"),
                "n/a", "flat (heap growth < 1 MB)", Config.Met(heapGrowth < 1.0),
                Config.Inv($"heap measured after a full GC at both ends of each window; session working set {session[^1].WsEnd / 1e6:0.0} MB vs {none[^1].WsEnd / 1e6:0.0} MB without")),
        };
    }

    /// <summary>The measuring child: after a settle of each client, rounds of three windows (no client, session, bare);
    /// each client is connected for its window only.</summary>
    public static async Task<int> ProbeAsync(string[] args)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var uri = new Uri(args[1]);
        var key = args[2];
        var secs = double.Parse(args[3], inv);
        var rounds = int.Parse(args[4], inv);
        var settle = int.Parse(args[5], inv);
        // Settle: tiered JIT recompiles each client's heartbeat path after enough calls (tier 0, instrumented, tier 1);
        // measuring before it finishes bills the compiler thread, not the steady state.
        foreach (var kind in new[] { "session", "bare" })
        {
            await using var c = await Client.OpenAsync(kind, uri, key, Timeout);
            await c.AnsweredAsync(settle);
        }
        // Session, none, bare; then bare, none, session: an idle process's CPU drifts over minutes (the host, the runtime's
        // workers), and in this order a steady drift bills both clients alike.
        var orders = new[] { new[] { "session", "none", "bare" }, new[] { "bare", "none", "session" } };
        var all = new List<Window>();
        for (var r = 0; r < rounds; r++)
            for (var k = 0; k < 3; k++)
            {
                var kind = orders[r % 2][k];
                await using var c = kind == "none" ? null : await Client.OpenAsync(kind, uri, key, Timeout);
                if (c != null) await c.AnsweredAsync(2); // connecting, subscribing and the first heartbeats are outside the window
                // A quiet second before every window, with or without a client: what the previous window's client left
                // running as it closed (thread-pool workers spinning down, its last sends) is not billed to this one.
                // Not synchronisation: an idle process settling has no event to wait for, and the measure is of time.
                await Task.Delay(TimeSpan.FromSeconds(1));
                var w = await MeasureAsync(secs, c) with { Kind = kind, Round = r };
                Console.WriteLine(Config.Inv($"   round {r + 1} {kind}: {w.CpuPct:0.000}% of a core, {w.Acks} acks, {w.ItemsPerAck:0.00} work items per ack, {w.PoolThreads} pool threads, heap {w.HeapStart / 1e6:0.0} -> {w.HeapEnd / 1e6:0.0} MB"));
                all.Add(w);
            }
        Console.WriteLine("RESULT " + System.Text.Json.JsonSerializer.Serialize(all));
        return 0;
    }

    /// <summary>One idle client: a C2Session, connected and subscribed, or a bare ClientWebSocket answering heartbeats.</summary>
    private sealed class Client : IAsyncDisposable
    {
        private C2Session? _session;
        private System.Net.WebSockets.ClientWebSocket? _bare;
        private readonly long[] _bareAcks = new long[1];
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public static async Task<Client> OpenAsync(string kind, Uri uri, string key, TimeSpan timeout)
        {
            var c = new Client();
            if (kind == "session" || kind == "session-pool")
            {
                // session-pool (--idle-one only): the module reading on the thread pool, as on Windows PowerShell 5.1.
                c._session = new C2Session(new C2SessionOptions
                {
                    Uri = uri, ApiKey = Env.Secure(key), HeartbeatTimeout = timeout, ConnectTimeout = TimeSpan.FromSeconds(10),
                    Transport = kind == "session" ? C2WebSocket.Transport.WebSocketTransportFactory.Instance : C2WebSocket.Transport.WebSocketTransportFactory.ThreadPoolReads,
                });
                await c._session.OpenAsync(CancellationToken.None);
                await c._session.SubscribeAsync("strategy.signal", 9001, null, TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            else
            {
                c._bare = new System.Net.WebSockets.ClientWebSocket();
                c._bare.Options.SetRequestHeader("Authorization", "Bearer " + key);
                await c._bare.ConnectAsync(uri, CancellationToken.None);
                c._loop = Task.Run(() => BareLoopAsync(c._bare, c._bareAcks, () => Volatile.Read(ref c._onAck)?.Invoke(), c._stop.Token));
            }
            return c;
        }

        public long Acks => _session?.HeartbeatAcksSent ?? Interlocked.Read(ref _bareAcks[0]);
        public long Reconnects => _session?.Reconnects ?? 0;

        /// <summary>Waits until this client has answered <paramref name="heartbeats"/> more heartbeats (the simulator sends one
        /// every 100 ms; fails after three times as long). Woken by the client itself: the session's loop when it goes idle
        /// (its internal Progress event), the bare loop after each ack; neither wakes anyone outside this wait.</summary>
        public async Task AnsweredAsync(int heartbeats)
        {
            var target = Acks + heartbeats;
            using var signal = new SemaphoreSlim(0);
            Action wake = () => { try { signal.Release(); } catch (ObjectDisposedException) { } };
            if (_session != null) _session.Progress += wake; else Volatile.Write(ref _onAck, wake);
            try
            {
                var limit = Interval * heartbeats * 3 + TimeSpan.FromSeconds(5);
                var waited = Stopwatch.StartNew();
                while (Acks < target)
                {
                    var left = limit - waited.Elapsed;
                    if (left <= TimeSpan.Zero || !await signal.WaitAsync(left))
                        throw new TimeoutException(Config.Inv($"the idle client answered {Acks - target + heartbeats} of {heartbeats} heartbeats"));
                }
            }
            finally
            {
                if (_session != null) _session.Progress -= wake; else Volatile.Write(ref _onAck, null);
            }
        }

        /// <summary>Called by the bare loop after each ack while <see cref="AnsweredAsync"/> waits.</summary>
        private Action? _onAck;

        public async ValueTask DisposeAsync()
        {
            if (_session != null) { await _session.CloseAsync(TimeSpan.FromSeconds(2)); _session.Dispose(); }
            _stop.Cancel();
            if (_loop != null) try { await _loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
            _bare?.Dispose();
        }
    }

    /// <summary>A bare ClientWebSocket answering heartbeats: parse each message, send an ack to a heartbeat.</summary>
    private static async Task BareLoopAsync(System.Net.WebSockets.ClientWebSocket bare, long[] acks, Action acked, CancellationToken stop)
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
                    acked();
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (System.Net.WebSockets.WebSocketException) { }
    }

    /// <summary>
    /// `--idle-one session|session-pool|bare seconds [rounds] [timeout-ms]`: a simulator child with 100 ms heartbeats and ONE client
    /// in this process, idle for the window, for an outside sampler (perf) and for A/B runs of two builds: prints the
    /// process's CPU per heartbeat answered, per window (the process's own idle CPU is included: compare like with
    /// like). The session's HeartbeatTimeout is the case's (150 ms) unless given.
    /// </summary>
    public static async Task<int> OneAsync(string[] args)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var which = args[1];
        var secs = double.Parse(args[2], inv);
        var rounds = args.Length > 3 ? int.Parse(args[3], inv) : 1;
        var timeout = args.Length > 4 ? TimeSpan.FromMilliseconds(double.Parse(args[4], inv)) : Timeout;
        await using var sim = await RemoteSim.StartAsync("--serve-sim");
        await using var client = await Client.OpenAsync(which, sim.Uri, sim.DemoApiKey, timeout);
        await client.AnsweredAsync(secs >= 30 ? 200 : 80); // the JIT settle of the idle case: the window measures the tiered heartbeat path
        for (var r = 0; r < rounds; r++)
        {
            var locks0 = Monitor.LockContentionCount;
            var w = await MeasureAsync(secs, client);
            Console.WriteLine(Config.Inv($"{which}: {w.CpuPct:0.000}% of a core, {w.Acks} acks, {w.CpuMs * 1000 / Math.Max(1, w.Acks):0} us CPU per ack, {w.ItemsPerAck:0.00} thread-pool work items per ack, {w.PoolThreads} pool threads, lock contentions {Monitor.LockContentionCount - locks0}, reconnects {w.Reconnects}"));
        }
        return 0;
    }

    /// <summary>One window: the process's CPU, the client's acks and reconnects, the thread-pool work items and
    /// workers, and memory (the managed heap after a full collection at both ends).</summary>
    public sealed record Window(double CpuPct, double CpuMs, double WallMs, long HeapStart, long HeapEnd, long WsStart, long WsEnd,
        long Acks, double ItemsPerAck, int PoolThreads, long Reconnects)
    {
        public string Kind { get; init; } = "";
        public int Round { get; init; }
    }

    private static async Task<Window> MeasureAsync(double seconds, Client? client)
    {
        var p = Process.GetCurrentProcess();
        var heap0 = GC.GetTotalMemory(true);
        p.Refresh();
        var ws0 = p.WorkingSet64;
        var cpu0 = p.TotalProcessorTime;
        var acks0 = client?.Acks ?? 0;
        var reconnects0 = client?.Reconnects ?? 0;
        var items0 = ThreadPool.CompletedWorkItemCount;
        var t = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        p.Refresh();
        var cpu = (p.TotalProcessorTime - cpu0).TotalMilliseconds;
        var wall = t.Elapsed.TotalMilliseconds;
        var items = ThreadPool.CompletedWorkItemCount - items0;
        var acks = (client?.Acks ?? 0) - acks0;
        var threads = ThreadPool.ThreadCount;
        var ws1 = p.WorkingSet64;
        var heap1 = GC.GetTotalMemory(true);
        return new Window(cpu / wall * 100, cpu, wall, heap0, heap1, ws0, ws1, acks, acks > 0 ? (double)items / acks : 0, threads,
            (client?.Reconnects ?? 0) - reconnects0);
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
