using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

internal static class Program
{
    /// <summary>Case names in run order. Cold start runs first so "first in process" really is the first.</summary>
    public static readonly string[] AllCases = { "coldstart", "session", "pipeline", "latency", "heartbeat", "replay", "checkpoint", "overflow", "memory", "idle" };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--serve-sim") return await IdleCase.ServeSimAsync(args);
        if (args.Length > 0 && args[0] == "--serve-sim-commands") return await RemoteSim.ServeAsync();
        if (args.Length > 0 && args[0] == "--idle-probe") return await IdleCase.ProbeAsync(args);
        if (args.Length > 0 && args[0] == "--idle-one") return await IdleCase.OneAsync(args);
        if (args.Length > 0 && args[0] == "--memory-probe") return await MemoryCase.ProbeAsync(args);
        if (args.Length > 0 && args[0] == "--profile") return args.Length > 1 ? await Profile.LoadAsync(args) : await Profile.RunAsync();

        var quick = false;
        var cases = new List<string>();
        string? outPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--case":
                    if (++i >= args.Length) return Usage("--case needs a name");
                    cases.AddRange(args[i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--out":
                    if (++i >= args.Length) return Usage("--out needs a file name");
                    outPath = args[i];
                    break;
                case "-h":
                case "--help":
                    return Usage(null);
                default:
                    return Usage("unknown argument '" + args[i] + "'");
            }
        }
        var unknown = cases.Where(c => !AllCases.Contains(c)).ToList();
        if (unknown.Count > 0) return Usage("unknown case(s): " + string.Join(", ", unknown));
        var selected = cases.Count == 0 ? AllCases.ToList() : AllCases.Where(cases.Contains).ToList();

        var cfg = new Config(quick);
        Console.WriteLine(Machine());
        Console.WriteLine($"Mode: {(quick ? "quick" : "full")}; rounds {cfg.Rounds} after {cfg.WarmupRounds} warm-up; cases: {string.Join(", ", selected)}");
        Console.WriteLine();

        var rows = new List<Row>();
        var total = Stopwatch.StartNew();
        foreach (var name in selected)
        {
            var sw = Stopwatch.StartNew();
            var loadBefore = LoadAverage.Now();
            Console.WriteLine($"== {name} (load average {loadBefore})");
            try
            {
                var r = name switch
                {
                    "coldstart" => await ColdStartCase.RunAsync(cfg),
                    "session" => await SessionThroughputCase.RunAsync(cfg),
                    "pipeline" => await PipelineCase.RunAsync(cfg),
                    "latency" => await LatencyCase.RunAsync(cfg),
                    "heartbeat" => await HeartbeatCase.RunAsync(cfg),
                    "replay" => await ReplayCase.RunAsync(cfg),
                    "checkpoint" => await CheckpointCase.RunAsync(cfg),
                    "overflow" => await OverflowCase.RunAsync(cfg),
                    "memory" => await MemoryCase.RunAsync(cfg),
                    "idle" => await IdleCase.RunAsync(cfg),
                    _ => throw new InvalidOperationException(name),
                };
                var load = loadBefore + " -> " + LoadAverage.Now();
                r = r.ConvertAll(row => row with { Load = load });
                rows.AddRange(r);
                foreach (var row in r) Console.WriteLine("   " + row.Figure + " | baseline " + row.Baseline + " | " + row.Ratio + " | " + row.Met + (row.Note.Length > 0 ? " | " + row.Note : ""));
            }
            catch (Exception ex)
            {
                Console.WriteLine("   FAILED: " + ex);
                rows.Add(new Row(name, "failed: " + ex.GetType().Name + ": " + ex.Message.Split('\n')[0], "", "", "", "error"));
            }
            Console.WriteLine($"   ({sw.Elapsed.TotalSeconds:0.0} s, load average {LoadAverage.Now()})");
        }

        Console.WriteLine();
        var md = Markdown(rows, cfg, total.Elapsed);
        Console.WriteLine(PlainTable(rows));
        Console.WriteLine($"Total {total.Elapsed.TotalSeconds:0.0} s.");
        if (outPath != null)
        {
            File.WriteAllText(outPath, md);
            Console.WriteLine("Wrote " + Path.GetFullPath(outPath));
        }
        return rows.Any(r => r.Met == "error") ? 1 : 0;
    }

    private static int Usage(string? error)
    {
        if (error != null) Console.Error.WriteLine("error: " + error);
        Console.Error.WriteLine("usage: dotnet run -c Release --project tests/C2WebSocket.Benchmarks -- [--quick] [--case name[,name...]] [--out results.md]");
        Console.Error.WriteLine("cases: " + string.Join(", ", AllCases));
        return error == null ? 0 : 2;
    }

    public static string Machine() =>
        $"Machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), " +
        $".NET {Environment.Version}, PowerShell engine {typeof(System.Management.Automation.PSObject).Assembly.GetName().Version}, " +
        $"{(GCSettings() )}";

    private static string GCSettings() => System.Runtime.GCSettings.IsServerGC ? "server GC" : "workstation GC";

    private static readonly string[] Header = { "case", "figure", "baseline", "ratio", "target", "met?", "load" };

    private static string[] Cells(Row r) => new[] { r.Case, r.Figure, r.Baseline, r.Ratio, r.Target, r.Met, r.Load };

    public static string PlainTable(List<Row> rows)
    {
        var all = new List<string[]> { Header };
        all.AddRange(rows.Select(Cells));
        var widths = Enumerable.Range(0, Header.Length).Select(i => all.Max(a => a[i].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var (a, idx) in all.Select((a, idx) => (a, idx)))
        {
            sb.AppendLine(string.Join("  ", a.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
            if (idx == 0) sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
        return sb.ToString();
    }

    public static string Markdown(List<Row> rows, Config cfg, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!-- generated by tests/C2WebSocket.Benchmarks -->");
        sb.AppendLine(Machine() + ".  ");
        sb.AppendLine($"Mode {(cfg.Quick ? "--quick" : "full")}, {cfg.Rounds} rounds after {cfg.WarmupRounds} warm-up (medians), run took {elapsed.TotalSeconds:0} s, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        sb.AppendLine();
        sb.AppendLine("| " + string.Join(" | ", Header) + " |");
        sb.AppendLine("|" + string.Join("|", Header.Select(_ => " --- ")) + "|");
        foreach (var r in rows) sb.AppendLine("| " + string.Join(" | ", Cells(r).Select(c => c.Replace("|", "\\|"))) + " |");
        var notes = rows.Where(r => r.Note.Length > 0).ToList();
        if (notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var r in notes) sb.AppendLine($"- {r.Case} / {r.Figure.Split(':')[0]}: {r.Note}");
        }
        return sb.ToString();
    }
}

internal sealed class Config
{
    public Config(bool quick) { Quick = quick; }
    public bool Quick { get; }
    public int Rounds => Quick ? 3 : 5;
    /// <summary>Short rounds (a burst of 20,000 takes 0.05-0.3 s): more of them make the medians steadier.</summary>
    public int ThroughputRounds => Quick ? 5 : 11;
    /// <summary>The module's code is JIT-compiled (tier 0 first) while the bare loop runs the framework's precompiled
    /// code: about a second of bursts passes before tiering finishes, so the throughput case warms up longer.</summary>
    public int ThroughputWarmupRounds => Quick ? 4 : 8;
    public int WarmupRounds => 1;
    /// <summary>Replay and catch-up rounds take milliseconds, and one in a few is slowed several-fold (a collection,
    /// three busy threads on two cores): a median of five moved by a third between runs; fifteen hold it.</summary>
    public int ReplayRounds => Quick ? 3 : 15;
    /// <summary>The pipeline's side (the cmdlets, the engine) compiles in the first rounds: warm-up runs at least this
    /// many, then until the JIT is quiet (<see cref="JitQuiet"/>), at most <see cref="ReplayWarmupMax"/>.</summary>
    public int ReplayWarmupRounds => Quick ? 1 : 3;
    public int ReplayWarmupMax => Quick ? 10 : 150;
    /// <summary>The pipeline case's warm-up rounds (about a second each) and the latency case's warm-up seconds: until the
    /// JIT is quiet (<see cref="JitQuiet"/>), at most this many. The pipeline case never is: PowerShell compiles the
    /// Where-Object filter's script block again in every timed pipeline (a dynamic method of 280 bytes of IL, eight a
    /// round, the module's pipelines and the floor's alike), about 2% of the time.</summary>
    public int PipelineWarmupMax => Quick ? 4 : 12;
    /// <summary>Pipeline rounds take a few hundred ms and one in five was seen slowed twofold: eleven medians.</summary>
    public int PipelineRounds => Quick ? 3 : 11;
    public int LatencyWarmupMax => Quick ? 3 : 20;
    /// <summary>The checkpoint case's warm-up rounds (three catch-ups each): until the JIT is quiet, at most this many.</summary>
    public int CheckpointWarmupMax => Quick ? 3 : 40;
    public int ThroughputMessages => Quick ? 5_000 : 20_000;
    public int PipelineMessages => Quick ? 5_000 : 20_000;
    public double LatencySeconds => Quick ? 3 : 10;
    public int LatencyRate => 200;
    public int HeartbeatBlockedObjects => Quick ? 2 : 5;
    public int HeartbeatBlockMs => 2000;
    /// <summary>The idle case's windows: each kind (no client, session, bare loop) this long, this many times in turn.</summary>
    public double IdleSeconds => Quick ? 5 : 15;
    public int IdleRounds => Quick ? 2 : 4;
    /// <summary>Heartbeats each client answers before any window (every 100 ms): tiering has finished by then.</summary>
    public int IdleSettleAcks => Quick ? 80 : 150;
    

    public static string Met(bool ok) => ok ? "yes" : "NO";
    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
