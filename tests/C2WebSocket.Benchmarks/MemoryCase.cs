using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 8. Memory per queued signal: a subscribed session whose inbox nobody reads receives 10,000 signals; the
/// managed heap (after full collections) before and after, divided by 10,000, against the raw message size. The
/// session runs in a child process (this program with --memory-probe) so the simulator's own history (the same
/// messages, kept for replay) is not counted; the parent publishes once the child is subscribed.
/// </summary>
internal static class MemoryCase
{
    public const int Queued = 10_000;

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        const long Sid = 9101;
        await using var sim = await Env.StartSimAsync();
        var results = new List<(double PerSignal, double Raw)>();
        for (var r = 0; r < (cfg.Quick ? 1 : 3); r++)
        {
            using var probe = IdleCase.StartChild("--memory-probe", sim.Uri.ToString(), sim.DemoApiKey, (Sid + r).ToString(System.Globalization.CultureInfo.InvariantCulture), Queued.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string? result = null;
            while (await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120)) is { } line)
            {
                if (line == "READY") sim.PublishSignals(Sid + r, Queued);
                else if (line.StartsWith("RESULT ", StringComparison.Ordinal)) result = line.Substring(7);
            }
            if (result == null) throw new InvalidOperationException("the memory probe gave no result: " + probe.StandardError.ReadToEnd());
            var p = result.Split(' ');
            var perSignal = double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture);
            var raw = double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"   probe {r + 1}: {perSignal:0} bytes of managed heap per queued signal, raw message {raw:0} bytes");
            results.Add((perSignal, raw));
        }
        var per = Stat.Median(results.ConvertAll(x => x.PerSignal));
        var rawMed = Stat.Median(results.ConvertAll(x => x.Raw));
        var rows = new List<Row>
        {
            new("memory per queued signal", Config.Inv($"{Queued:N0} queued: {per:N0} bytes each"), Config.Inv($"raw message: {rawMed:N0} bytes"), Stat.Ratio(per / rawMed), "<= 1.3x raw", Config.Met(per / rawMed <= 1.3),
                "managed heap after full collections, before and after 10,000 signals reached an unread inbox, in a process of its own (the simulator's history is not counted)"),
        };
        await using var controlled = await Env.StartSimAsync(o => o.EnableControlApi = true);
        rows.Add(await PwshRowAsync(controlled, cfg));
        return rows;
    }

    /// <summary>
    /// The same measure in real pwsh (the pinned PowerShell tool), as a user's session holds it: a script connects,
    /// subscribes, takes a full collection, has the simulator publish 10,000 signals (its control API), waits until
    /// they are queued, and takes a full collection again; then it drains them to sum their raw sizes.
    /// </summary>
    private static async Task<Row> PwshRowAsync(C2WebSocket.Simulator.C2Simulator sim, Config cfg)
    {
        var skipped = await ColdStartCase.PwshUnavailableAsync();
        if (skipped != null) return new Row("memory per queued signal, pwsh", "skipped", "", "n/a", "<= 1.3x raw", "skipped", skipped);
        const string Script = @"
$ErrorActionPreference = 'Stop'
Import-Module $env:BENCH_MODULE
$control = $env:BENCH_CONTROL; $sid = [long]$env:BENCH_SID; $n = [int]$env:BENCH_N
$s = Connect-C2Socket -Uri $env:BENCH_URI -ApiKey $env:BENCH_KEY -InboxCapacity ($n * 2)
$null = Add-C2Subscription -StrategyId $sid
# Warm-up: one signal through every path the measured ones take (HTTP control call, receive, inbox, Receive-C2Signal).
$null = Invoke-RestMethod -Method Post -Uri ""$control/publish?strategy_id=$sid""
$null = Receive-C2Signal -Count 1 -TimeoutSec 30
function Heap { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect(); [GC]::GetTotalMemory($true) }
$before = Heap
$null = Invoke-RestMethod -Method Post -Uri ""$control/publish?strategy_id=$sid&count=$n""
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while ($s.InboxCount -lt $n) { if ([DateTime]::UtcNow -gt $deadline) { throw ""inbox holds $($s.InboxCount) of $n"" }; Start-Sleep -Milliseconds 20 }
$after = Heap
$raw = 0L
foreach ($m in Receive-C2Signal -Count $n -TimeoutSec 60) { $raw += [Text.Encoding]::UTF8.GetByteCount($m.RawJson) }
'RESULT {0:0.0} {1:0.0}' -f (($after - $before) / $n), ($raw / $n)
Disconnect-C2Socket
";
        var results = new List<(double PerSignal, double Raw)>();
        for (var r = 0; r < (cfg.Quick ? 1 : 3); r++)
        {
            var env = new Dictionary<string, string>
            {
                ["BENCH_MODULE"] = Repo.ModuleManifest, ["BENCH_URI"] = sim.Uri.ToString(), ["BENCH_KEY"] = sim.DemoApiKey,
                ["BENCH_CONTROL"] = new Uri(sim.HttpUri, "control").ToString().TrimEnd('/'), ["BENCH_SID"] = (9201 + r).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["BENCH_N"] = Queued.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var run = await ColdStartCase.RunPwshAsync(Script, env, TimeSpan.FromSeconds(180));
            var line = run.Lines.FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) ?? throw new InvalidOperationException("the pwsh memory probe gave no result: " + string.Join(" | ", run.Lines));
            var p = line.Substring(7).Split(' ');
            var perSignal = double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture);
            var raw = double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"   pwsh probe {r + 1}: {perSignal:0} bytes of managed heap per queued signal, raw message {raw:0} bytes");
            results.Add((perSignal, raw));
        }
        var per = Stat.Median(results.ConvertAll(x => x.PerSignal));
        var rawMed = Stat.Median(results.ConvertAll(x => x.Raw));
        return new Row("memory per queued signal, pwsh", Config.Inv($"{Queued:N0} queued in real pwsh: {per:N0} bytes each"), Config.Inv($"raw message: {rawMed:N0} bytes"), Stat.Ratio(per / rawMed), "<= 1.3x raw", Config.Met(per / rawMed <= 1.3),
            "GC.GetTotalMemory after full collections in a `dotnet pwsh` process, before and after 10,000 signals reached the session's unread inbox (the simulator runs in the benchmark's process and is not counted)");
    }

    /// <summary>The child: subscribe, say READY, wait for the inbox to hold n signals, measure, drain to sum the raw sizes.</summary>
    public static async Task<int> ProbeAsync(string[] args)
    {
        var uri = new Uri(args[1]);
        var key = args[2];
        var sid = long.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var n = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        var o = new C2SessionOptions { Uri = uri, ApiKey = Env.Secure(key), ConnectTimeout = TimeSpan.FromSeconds(10), RequestTimeout = TimeSpan.FromSeconds(10), InboxCapacity = n * 2 };
        using var session = new C2Session(o);
        await session.OpenAsync(CancellationToken.None);
        await session.SubscribeAsync("strategy.signal", sid, null, TimeSpan.FromSeconds(10), CancellationToken.None);
        // Not synchronisation (the subscribe above waited for its ack): a quiet moment so the background JIT and the
        // connection's buffers settle before the heap is measured, here and after the inbox is full.
        await Task.Delay(200);
        var before = GC.GetTotalMemory(true);
        Console.WriteLine("READY");
        var deadline = Stopwatch.StartNew();
        while (session.InboxCount < n)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("inbox holds " + session.InboxCount + " of " + n);
            await Task.Delay(20);
        }
        await Task.Delay(200);
        var after = GC.GetTotalMemory(true);
        long raw = 0;
        using (var reader = new InboxReader(new[] { session }))
        {
            for (var i = 0; i < n; i++)
                if (reader.TryTake(null, out _, out var taken) && taken.Item is C2StreamMessage m) raw += m.RawLength;
        }
        Console.WriteLine(FormattableString.Invariant($"RESULT {(after - before) / (double)n:0.0} {raw / (double)n:0.0}"));
        return 0;
    }
}
