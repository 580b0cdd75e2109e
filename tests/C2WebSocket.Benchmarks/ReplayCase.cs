using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 6. Replay and catch-up: signals already in the server's history (published while no client was
/// subscribed), fetched with resume_from and written to the pipeline by $null = Receive-C2Signal -Count N; timed from
/// Add-C2Subscription -ResumeFrom to the last object. N = 1,000 fits one replay; N = 10,000 is a catch-up through
/// the server's 1,000-per-replay limit, so the session pages by itself (gap, subscribe again from the last seq_id).
/// Baseline: a bare loop on an open connection doing the same: subscribe with resume_from, count, and on each gap
/// subscribe again with resume_from = the last seq_id it received. Rounds rotate which goes first. The same with
/// | Out-Null (the first runs' definition) is reported beside the engine's own cost of passing N objects to Out-Null.
/// The simulator runs in a process of its own (<see cref="RemoteSim"/>), and warm-up lasts until the JIT is quiet
/// (<see cref="JitQuiet"/>): both were found to bill the module for what was not its own (docs/benchmarks.md).
/// </summary>
internal static class ReplayCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var rows = new List<Row>();
        var outNull = new List<Row>();
        foreach (var n in new[] { 1_000, 10_000 })
        {
            var (main, viaOutNull) = await RunOneAsync(cfg, n);
            rows.Add(main);
            outNull.Add(viaOutNull);
        }
        rows.AddRange(outNull);
        return rows;
    }

    private static async Task<(Row Main, Row OutNull)> RunOneAsync(Config cfg, int n)
    {
        // Strategy ids: module ($null =), module (| Out-Null), bare; one fresh stream of each per round, published
        // before the round (untimed) and forgotten after it, so the simulator's history does not grow with the rounds.
        long baseId = n == 1_000 ? 60_000 : 70_000;
        long Sid(int kind, int round) => baseId + kind * 1_000 + round;
        await using var sim = await RemoteSim.StartAsync(); // out of process: see RemoteSim
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey);
        using var bare = await BareClient.ConnectAsync(sim.Uri, sim.DemoApiKey);
        var pager = new BarePager(bare);
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => bare.RunAsync(pager.OnMessage, stop.Token));

        const string Timed = "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; ";
        const string Done = "; $sw.Elapsed.TotalMilliseconds; Remove-C2Subscription -StrategyId $args[0]";
        var module = new List<double>();
        var moduleOutNull = new List<double>();
        var floor = new List<double>();
        var bareMs = new List<double>();
        var settle = new JitQuiet(cfg.ReplayWarmupRounds, cfg.ReplayWarmupMax);
        var warm = true;
        for (var r = 0; module.Count < cfg.ReplayRounds; r++)
        {
            for (var kind = 0; kind < 3; kind++) await sim.PublishSignalsAsync(Sid(kind, r), n + 1); // seq_id 1 .. n+1: resume_from 1 brings n of them
            double m = 0, mo = 0, b = 0, f = 0;
            for (var k = 0; k < 3; k++)
            {
                switch ((r + k) % 3)
                {
                    case 0:
                        m = Ms(Env.Invoke(rs, Timed + "$null = Receive-C2Signal -Count $args[1] -TimeoutSec 120" + Done, Sid(0, r), n));
                        break;
                    case 1:
                        // The same objects to Out-Null; then the engine's floor for that: a compiled cmdlet writing as many
                        // objects (these very ones, kept from the warm-up) to Out-Null.
                        if (r == 0) Env.Invoke(rs, "$null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; $floorObjs = @(Receive-C2Signal -Count $args[1] -TimeoutSec 120); Remove-C2Subscription -StrategyId $args[0]", Sid(1, r), n);
                        else mo = Ms(Env.Invoke(rs, Timed + "Receive-C2Signal -Count $args[1] -TimeoutSec 120 | Out-Null" + Done, Sid(1, r), n));
                        f = Ms(Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); Write-BenchObject $floorObjs | Out-Null; $sw.Elapsed.TotalMilliseconds"));
                        break;
                    default:
                        b = await pager.RunAsync(Sid(2, r), n);
                        break;
                }
            }
            await bare.UnsubscribeAsync(Sid(2, r)); // the server's subscriptions per connection are capped (the module's side removes its own)
            for (var kind = 0; kind < 3; kind++) await sim.RestartStreamAsync(Sid(kind, r));
            Console.WriteLine($"   {n:N0} round {r + 1}{(warm ? " (warm-up)" : "")}: module {m:0.0} ms, module | Out-Null {mo:0.0} ms (engine floor {f:0.0} ms), bare {b:0.0} ms ({pager.Pages} page(s))");
            if (warm) { warm = !settle.RoundEnded(); continue; }
            module.Add(m); moduleOutNull.Add(mo); floor.Add(f); bareMs.Add(b);
        }
        stop.Cancel();
        await bare.CloseAsync();
        try { await loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        Env.Invoke(rs, "Disconnect-C2Socket -All");
        var a = Stat.Median(module);
        var ao = Stat.Median(moduleOutNull);
        var fl = Stat.Median(floor);
        var bb = Stat.Median(bareMs);
        var name = n == 1_000 ? "replay 1,000" : "catch-up 10,000";
        var what = n == 1_000 ? "1,000 replayed to the pipeline" : "10,000 caught up (10 replay pages) to the pipeline";
        var main = new Row(name, $"{what}: " + Stat.F(a, "ms"), "bare loop, same paging: " + Stat.F(bb, "ms"), Stat.Ratio(a / bb), "<= 1.2x bare", Config.Met(a / bb <= 1.2),
            "$null = Receive-C2Signal -Count N, from Add-C2Subscription -ResumeFrom 1 to the last object written (subscribe round trips included); the bare loop subscribes, counts and subscribes again from its last seq_id on each gap; " +
            Config.Inv($"medians of {module.Count} rounds (fastest: module {module.Min():0.00} ms, bare {bareMs.Min():0.00} ms); ") + settle.Describe());
        var viaOutNull = new Row(name + " | Out-Null", $"Receive-C2Signal -Count {n:N0} | Out-Null: " + Stat.F(ao, "ms"), "bare loop: " + Stat.F(bb, "ms"), Stat.Ratio(ao / bb), "(report)", "-",
            Config.Inv($"the definition of the first runs; the engine alone needs {fl:0.0} ms to pass {n:N0} objects from a compiled cmdlet (Write-BenchObject) to Out-Null, which the bare loop does not do"));
        return (main, viaOutNull);
    }

    private static double Ms(List<System.Management.Automation.PSObject> output) => Convert.ToDouble(output[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A bare client that fetches a stream's history through the replay limit: resume_from, count, and on
    /// each gap subscribe again from the last seq_id received.</summary>
    internal sealed class BarePager
    {
        private readonly BareClient _client;
        private long _strategy, _lastSeq, _start;
        private int _target, _count;
        private TaskCompletionSource<double> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BarePager(BareClient client) { _client = client; }
        public int Pages { get; private set; }

        public Task<double> RunAsync(long strategy, int n)
        {
            _done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            _strategy = strategy; _lastSeq = 1; _count = 0; _target = n; Pages = 1;
            _start = Stopwatch.GetTimestamp();
            _ = _client.SubscribeAsync(strategy, 1);
            return _done.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }

        public bool OnMessage(System.Text.Json.JsonElement root, string type, long now)
        {
            if (type == "strategy.signal")
            {
                _lastSeq = root.GetProperty("seq_id").GetInt64();
                if (++_count == _target) _done.TrySetResult(Stat.TicksToMs(now - _start));
            }
            else if (type == "gap" && _count < _target)
            {
                Pages++;
                _ = _client.SubscribeAsync(_strategy, _lastSeq);
            }
            return true;
        }
    }
}
