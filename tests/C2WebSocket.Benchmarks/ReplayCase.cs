using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 6. Replay and catch-up: signals already in the server's history (published while no client was
/// subscribed), fetched with resume_from and delivered through Receive-C2Signal -Count N | Out-Null; timed from
/// Add-C2Subscription -ResumeFrom to the last object. N = 1,000 fits one replay; N = 10,000 is a catch-up through
/// the server's 1,000-per-replay limit, so the session pages by itself (gap, subscribe again from the last seq_id).
/// Baseline: a bare loop on an open connection doing the same: subscribe with resume_from, count, and on each gap
/// subscribe again with resume_from = the last seq_id it received. Rounds alternate which goes first.
/// </summary>
internal static class ReplayCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var rows = new List<Row>();
        foreach (var n in new[] { 1_000, 10_000 })
            rows.Add(await RunOneAsync(cfg, n));
        return rows;
    }

    private static async Task<Row> RunOneAsync(Config cfg, int n)
    {
        var rounds = cfg.WarmupRounds + cfg.Rounds;
        long moduleBase = n == 1_000 ? 6000 : 6500, bareBase = n == 1_000 ? 7000 : 7500;
        await using var sim = await Env.StartSimAsync();
        for (var r = 0; r < rounds; r++)
        {
            // seq_id 1 .. n+1: resume_from 1 brings n of them.
            sim.PublishSignals(moduleBase + r, n + 1);
            sim.PublishSignals(bareBase + r, n + 1);
        }
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey);
        using var bare = await BareClient.ConnectAsync(sim);
        var pager = new BarePager(bare);
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => bare.RunAsync(pager.OnMessage, stop.Token));

        var module = new List<double>();
        var bareMs = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var warm = r < cfg.WarmupRounds;
            double m = 0, b = 0;
            for (var k = 0; k < 2; k++)
            {
                if ((r + k) % 2 == 0)
                {
                    var outp = Env.Invoke(rs, "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; Receive-C2Signal -Count $args[1] -TimeoutSec 120 | Out-Null; $sw.Elapsed.TotalMilliseconds; Remove-C2Subscription -StrategyId $args[0]",
                        moduleBase + r, n);
                    m = Convert.ToDouble(outp[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    b = await pager.RunAsync(bareBase + r, n);
                }
            }
            Console.WriteLine($"   {n:N0} round {r + 1}{(warm ? " (warm-up)" : "")}: module {m:0.0} ms, bare {b:0.0} ms ({pager.Pages} page(s))");
            if (warm) continue;
            module.Add(m); bareMs.Add(b);
        }
        stop.Cancel();
        await bare.CloseAsync();
        try { await loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        Env.Invoke(rs, "Disconnect-C2Socket -All");
        var a = Stat.Median(module);
        var bb = Stat.Median(bareMs);
        var name = n == 1_000 ? "replay 1,000" : "catch-up 10,000";
        var what = n == 1_000 ? "1,000 replayed to the pipeline" : "10,000 caught up (10 replay pages) to the pipeline";
        return new Row(name, $"{what}: " + Stat.F(a, "ms") + $" ({n / (a / 1000):N0}/s)", "bare loop, same paging: " + Stat.F(bb, "ms"), Stat.Ratio(a / bb), "<= 1.3x bare", Config.Met(a / bb <= 1.3),
            "from Add-C2Subscription -ResumeFrom 1 to the last object through Receive-C2Signal | Out-Null (subscribe round trips included); the bare loop subscribes, counts and re-subscribes from its last seq_id on each gap");
    }

    /// <summary>A bare client that fetches a stream's history through the replay limit: resume_from, count, and on
    /// each gap subscribe again from the last seq_id received.</summary>
    private sealed class BarePager
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
