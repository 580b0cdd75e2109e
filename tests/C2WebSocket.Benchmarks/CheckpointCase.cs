using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case 9. Catch-up with a checkpoint (issue 23): 10,000 signals of the server's history fetched with resume_from
/// (10 replay pages) and written to the pipeline by $null = Receive-C2Signal -Count N, timed from Add-C2Subscription
/// -ResumeFrom 1 to the end of Remove-C2Subscription, three ways side by side in one run (rounds rotate which goes
/// first): a session without a checkpoint; a session with -CheckpointPath (the subscribe claims the stream: a lock file
/// and its owner's sidecar; Remove-C2Subscription commits what the statement emitted, compacts and releases); and a
/// -ManualCheckpoint session that pipes every signal to Save-C2Checkpoint (one journal line per signal). The machine's
/// load average is printed with each round: the figures are only comparable within a run. Not tuned: a measurement.
/// </summary>
internal static class CheckpointCase
{
    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        const int n = 10_000;
        long Sid(int kind, int round) => 90_000 + kind * 1_000 + round;
        await using var sim = await RemoteSim.StartAsync(); // out of process, as in the replay case (see RemoteSim)
        var dir = Directory.CreateTempSubdirectory("c2bench-checkpoint").FullName;
        try
        {
            using var rs = Env.OpenRunspace();
            Env.Invoke(rs, "$plain = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]; " +
                           "$auto = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -CheckpointPath $args[2]; " +
                           "$manual = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -CheckpointPath $args[3] -ManualCheckpoint",
                sim.Uri, sim.DemoApiKey, Path.Combine(dir, "auto.json"), Path.Combine(dir, "manual.json"));
            const string Start = "$sw = [Diagnostics.Stopwatch]::StartNew(); $null = Add-C2Subscription -Session $s -StrategyId $args[0] -ResumeFrom 1; ";
            const string End = "; Remove-C2Subscription -Session $s -StrategyId $args[0]; $sw.Elapsed.TotalMilliseconds";
            var scripts = new[]
            {
                "$s = $plain; " + Start + "$null = Receive-C2Signal -Session $s -Count $args[1] -TimeoutSec 120" + End,
                "$s = $auto; " + Start + "$null = Receive-C2Signal -Session $s -Count $args[1] -TimeoutSec 120" + End,
                "$s = $manual; " + Start + "Receive-C2Signal -Session $s -Count $args[1] -TimeoutSec 120 | Save-C2Checkpoint" + End,
            };
            var ms = new[] { new List<double>(), new List<double>(), new List<double>() };
            var settle = new JitQuiet(cfg.WarmupRounds, cfg.CheckpointWarmupMax);
            var warm = true;
            for (var r = 0; ms[0].Count < cfg.Rounds; r++)
            {
                // Each round's streams are published before it (untimed) and forgotten after it.
                for (var kind = 0; kind < 3; kind++) await sim.PublishSignalsAsync(Sid(kind, r), n + 1); // seq_id 1 .. n+1: resume_from 1 brings n of them
                var round = new double[3];
                for (var k = 0; k < 3; k++)
                {
                    var kind = (r + k) % 3;
                    var output = Env.Invoke(rs, scripts[kind], Sid(kind, r), n);
                    round[kind] = Convert.ToDouble(output[^1].BaseObject, System.Globalization.CultureInfo.InvariantCulture);
                }
                Console.WriteLine($"   round {r + 1}{(warm ? " (warm-up)" : "")}: no checkpoint {round[0]:0.0} ms, -CheckpointPath {round[1]:0.0} ms, " +
                                  $"-ManualCheckpoint + Save-C2Checkpoint per signal {round[2]:0.0} ms; load average {LoadAverage()}");
                for (var kind = 0; kind < 3; kind++) await sim.RestartStreamAsync(Sid(kind, r));
                if (warm) { warm = !settle.RoundEnded(); continue; }
                for (var k = 0; k < 3; k++) ms[k].Add(round[k]);
            }
            Env.Invoke(rs, "Disconnect-C2Socket -All");
            var none = Stat.Median(ms[0]);
            var auto = Stat.Median(ms[1]);
            var manual = Stat.Median(ms[2]);
            return new List<Row>
            {
                new Row("catch-up 10,000 with -CheckpointPath", "10,000 caught up and committed: " + Stat.F(auto, "ms"), "no checkpoint: " + Stat.F(none, "ms"),
                    Stat.Ratio(auto / none), "(report)", "-",
                    "Add-C2Subscription -ResumeFrom 1 (claims the stream), $null = Receive-C2Signal -Count 10000, Remove-C2Subscription (commits what the statement emitted, compacts the journal into the file, releases); " + settle.Describe() + "; load average " + LoadAverage()),
                new Row("catch-up 10,000, Save-C2Checkpoint per signal", "10,000 caught up, each saved: " + Stat.F(manual, "ms"), "no checkpoint: " + Stat.F(none, "ms"),
                    Stat.Ratio(manual / none), "(report)", "-",
                    "-ManualCheckpoint; Receive-C2Signal | Save-C2Checkpoint: one journal line (one write call) per signal, compacted at Remove-C2Subscription"),
            };
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), so a reader can tell a loaded machine's figures.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts[0] + " " + parts[1] + " " + parts[2];
        }
        catch (Exception) { return "n/a"; }
    }
}
