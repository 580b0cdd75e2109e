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
/// Case 7a. A fresh runspace in the hosted engine: open the engine, Import-Module, Connect-C2Socket + Add-C2Subscription, first signal
/// through Receive-C2Signal -Count 1. The first iteration is the first use of the engine and the module in this
/// process (JIT, type loading); the rest are warm. Baselines: a runspace with no import, and a bare client.
/// </summary>
internal static class HostedColdStart
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

/// <summary>
/// Case 7b. Cold start as a scheduled task sees it: a new pwsh process (the pinned PowerShell 7.6.9 dotnet tool, run
/// as <c>dotnet pwsh -NoProfile -NonInteractive -Command ...</c>) per measurement, timed from the benchmark's
/// Process.Start. Import: C2WebSocket against a minimal binary module of the same kind (one cmdlet, one format file,
/// tests/C2WebSocket.Benchmarks/MinimalModule), both imported by path, in-process Stopwatch around Import-Module.
/// First signal: process start to the first signal through Receive-C2Signal (Connect-C2Socket | Add-C2Subscription
/// -ResumeFrom 1 | Receive-C2Signal -Count 1), against a bare ClientWebSocket client written in the same pwsh
/// (connect, subscribe with resume_from, JsonDocument.Parse until the first signal). The pwsh floor (-Command with
/// nothing to do) is measured too. Processes of one round run in turn, rounds repeat.
/// </summary>
internal static class ColdStartCase
{
    private const string MinimalImport = "$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module ./out/BenchMinimal/BenchMinimal.psd1; 'IMPORT ' + $t.Elapsed.TotalMilliseconds";
    private const string ModuleImport = "$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module ./out/C2WebSocket/C2WebSocket.psd1; 'IMPORT ' + $t.Elapsed.TotalMilliseconds";
    private const string ModuleFirst = "$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module ./out/C2WebSocket/C2WebSocket.psd1; Connect-C2Socket -Uri $env:C2_URI | Add-C2Subscription -StrategyId $env:C2_SID -ResumeFrom 1 | Receive-C2Signal -Count 1 | Out-Null; 'FIRST ' + $t.Elapsed.TotalMilliseconds";
    private const string BareFirst =
        "$t = [Diagnostics.Stopwatch]::StartNew(); $ws = [System.Net.WebSockets.ClientWebSocket]::new(); $ws.Options.SetRequestHeader('Authorization', 'Bearer ' + $env:C2_API_KEY); $none = [Threading.CancellationToken]::None; " +
        "$ws.ConnectAsync([uri]$env:C2_URI, $none).GetAwaiter().GetResult(); " +
        "$sub = '{\"msg_type\":\"subscription.request\",\"request_id\":\"bare-1\",\"timestamp\":\"' + [datetime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ') + '\",\"payload\":{\"action\":\"subscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":' + $env:C2_SID + ',\"resume_from\":\"1\"}}'; " +
        "$b = [Text.Encoding]::UTF8.GetBytes($sub); $ws.SendAsync([ArraySegment[byte]]::new($b), [System.Net.WebSockets.WebSocketMessageType]::Text, $true, $none).GetAwaiter().GetResult(); " +
        "$buf = [byte[]]::new(65536); while ($true) { $r = $ws.ReceiveAsync([ArraySegment[byte]]::new($buf), $none).GetAwaiter().GetResult(); " +
        "$doc = [System.Text.Json.JsonDocument]::Parse([ReadOnlyMemory[byte]]::new($buf, 0, $r.Count)); if ($doc.RootElement.GetProperty('msg_type').GetString() -eq 'strategy.signal') { break } }; 'FIRST ' + $t.Elapsed.TotalMilliseconds";
    /// <summary>The module's steps one by one, with the JIT's own counters (methods compiled, time spent compiling).</summary>
    private const string ModuleSteps =
        "$sw = [Diagnostics.Stopwatch]::StartNew(); function J($w) { $n = [System.Runtime.JitInfo]::GetCompiledMethodCount($true); $c = [System.Runtime.JitInfo]::GetCompilationTime($true).TotalMilliseconds; " +
        "'STEP {0} {1} {2} {3}' -f $w, $sw.Elapsed.TotalMilliseconds, $n, $c; $sw.Restart() }; J start; " +
        "Import-Module ./out/C2WebSocket/C2WebSocket.psd1; J import; $s = Connect-C2Socket -Uri $env:C2_URI; J connect; " +
        "$null = Add-C2Subscription -StrategyId $env:C2_SID -ResumeFrom 1; J subscribe; $null = Receive-C2Signal -Count 1; J first";

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var rows = await HostedColdStart.RunAsync(cfg);
        var skipped = await PwshUnavailableAsync();
        if (skipped != null)
        {
            rows.Add(new Row("cold start, pwsh process", "skipped", "", "n/a", "", "skipped", skipped));
            return rows;
        }
        await using var sim = await Env.StartSimAsync();
        long sid = 8800;
        var env = new Dictionary<string, string> { ["C2_URI"] = sim.Uri.ToString(), ["C2_API_KEY"] = sim.DemoApiKey };
        async Task<Run> Pwsh(string script, bool newStrategy)
        {
            if (newStrategy) { sid++; sim.PublishSignals(sid, 2); env["C2_SID"] = sid.ToString(System.Globalization.CultureInfo.InvariantCulture); }
            return await RunPwshAsync(script, env);
        }
        var floor = new List<double>();
        var minImport = new List<double>(); var minWall = new List<double>();
        var modImport = new List<double>(); var modWall = new List<double>();
        var bareFirst = new List<double>(); var modFirst = new List<double>();
        var bareIn = new List<double>(); var modIn = new List<double>();
        for (var r = 0; r < cfg.WarmupRounds + cfg.Rounds; r++)
        {
            var warm = r < cfg.WarmupRounds;
            var f = await Pwsh("'READY'", false);
            var mi = await Pwsh(MinimalImport, false);
            var ci = await Pwsh(ModuleImport, false);
            var bf = await Pwsh(BareFirst, true);
            var cf = await Pwsh(ModuleFirst, true);
            Console.WriteLine($"   round {r + 1}{(warm ? " (warm-up)" : "")}: pwsh floor {f.WallMs:0} ms; import minimal {mi.Value("IMPORT"):0} ms ({mi.WallMs:0} ms process), C2WebSocket {ci.Value("IMPORT"):0} ms ({ci.WallMs:0}); " +
                              $"first signal bare {bf.FirstMs:0} ms ({bf.Value("FIRST"):0} in the script), module {cf.FirstMs:0} ms ({cf.Value("FIRST"):0} in the script)");
            if (warm) continue;
            floor.Add(f.WallMs);
            minImport.Add(mi.Value("IMPORT")); minWall.Add(mi.WallMs);
            modImport.Add(ci.Value("IMPORT")); modWall.Add(ci.WallMs);
            bareFirst.Add(bf.FirstMs); modFirst.Add(cf.FirstMs);
            bareIn.Add(bf.Value("FIRST")); modIn.Add(cf.Value("FIRST"));
        }
        // Where the module's time goes, step by step (not timed against anything: it explains the row above).
        var steps = new Dictionary<string, List<(double Ms, double Methods, double JitMs)>>();
        for (var r = 0; r < 3; r++)
        {
            var run = await Pwsh(ModuleSteps, true);
            (double N, double C) prev = (0, 0);
            foreach (var line in run.Lines.Where(l => l.StartsWith("STEP ", StringComparison.Ordinal)))
            {
                var p = line.Split(' ');
                var n = double.Parse(p[3], System.Globalization.CultureInfo.InvariantCulture);
                var c = double.Parse(p[4], System.Globalization.CultureInfo.InvariantCulture);
                if (!steps.TryGetValue(p[1], out var list)) steps[p[1]] = list = new();
                list.Add((double.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), n - prev.N, c - prev.C));
                prev = (n, c);
            }
        }
        var breakdown = string.Join("; ", steps.Where(kv => kv.Key != "start").Select(kv =>
            Config.Inv($"{kv.Key} {Stat.Median(kv.Value.Select(v => v.Ms)):0} ms ({Stat.Median(kv.Value.Select(v => v.Methods)):0} methods JIT-compiled, {Stat.Median(kv.Value.Select(v => v.JitMs)):0} ms compiling)")));
        Console.WriteLine("   module steps (medians of 3 processes): " + breakdown);

        double fl = Stat.Median(floor), mi2 = Stat.Median(minImport), ci2 = Stat.Median(modImport), bf2 = Stat.Median(bareFirst), cf2 = Stat.Median(modFirst);
        rows.Add(new Row("import, pwsh process", Config.Inv($"Import-Module C2WebSocket: {ci2:0} ms (process {Stat.Median(modWall):N0} ms)"),
            Config.Inv($"minimal binary module (1 cmdlet, 1 format file): {mi2:0} ms (process {Stat.Median(minWall):N0} ms)"), Stat.Ratio(ci2 / mi2), "<= 1.5x minimal", Config.Met(ci2 / mi2 <= 1.5),
            Config.Inv($"new `dotnet pwsh -NoProfile -NonInteractive -Command` process per measurement; in-process Stopwatch around Import-Module by path; pwsh floor (a -Command that does nothing) {fl:N0} ms")));
        double bi = Stat.Median(bareIn), mi3 = Stat.Median(modIn);
        rows.Add(new Row("first signal, pwsh script", Config.Inv($"Import-Module + Connect-C2Socket | Add-C2Subscription | Receive-C2Signal -Count 1: {mi3:N0} ms"),
            Config.Inv($"bare ClientWebSocket client in the same pwsh, connect + subscribe + first: {bi:N0} ms"), Stat.Ratio(mi3 / bi), "<= 2x bare", Config.Met(mi3 / bi <= 2.0),
            "in-process Stopwatch from the script's first statement to the first signal (pwsh's own start-up, the same for both, is left out); the module pays the engine's Import-Module too; module steps: " + breakdown));
        rows.Add(new Row("first signal, pwsh process", Config.Inv($"process start -> first signal: {cf2:N0} ms"),
            Config.Inv($"bare client: {bf2:N0} ms; pwsh doing nothing: {fl:N0} ms"), Stat.Ratio(cf2 / bf2), "(report)", "-",
            "the scheduled task's whole wait, timed by the benchmark from Process.Start to the line the script prints after the first signal"));
        return rows;
    }

    internal sealed record Run(double WallMs, double FirstMs, List<string> Lines)
    {
        public double Value(string key)
        {
            var line = Lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal));
            return line == null ? double.NaN : double.Parse(line.Substring(key.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    internal static async Task<string?> PwshUnavailableAsync()
    {
        try
        {
            var r = await RunAsync("dotnet", new[] { "tool", "restore" }, null, TimeSpan.FromSeconds(180));
            if (r.Code != 0) return "dotnet tool restore failed: " + r.Err.Split('\n')[0];
            var v = await RunPwshAsync("$PSVersionTable.PSVersion.ToString()", new Dictionary<string, string>());
            return v.Lines.Count > 0 ? null : "dotnet pwsh printed nothing";
        }
        catch (Exception ex)
        {
            return "dotnet pwsh unavailable: " + ex.Message.Split('\n')[0];
        }
    }

    internal static async Task<Run> RunPwshAsync(string script, Dictionary<string, string> env, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        double first = double.NaN;
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", script }) psi.ArgumentList.Add(a);
        foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet pwsh did not start");
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (lines)
            {
                if (e.Data.StartsWith("FIRST", StringComparison.Ordinal) && double.IsNaN(first)) first = sw.Elapsed.TotalMilliseconds;
                lines.Add(e.Data);
            }
        };
        p.BeginOutputReadLine();
        var err = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        var wall = sw.Elapsed.TotalMilliseconds;
        p.WaitForExit(); // drains the output events
        var e2 = await err;
        if (p.ExitCode != 0 || e2.Trim().Length > 0) throw new InvalidOperationException("pwsh exited with " + p.ExitCode + ": " + System.Text.RegularExpressions.Regex.Replace(e2, "\u001b\\[[0-9;]*m", "").Trim());
        lock (lines) return new Run(wall, first, lines.ToList());
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string file, string[] args, string? dir, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = dir ?? Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await o, await e);
    }
}
