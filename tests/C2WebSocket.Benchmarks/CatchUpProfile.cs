using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// `--profile catchup|catchupps [rounds]`: catch-ups of 10,000 (10 replay pages) from a simulator in its own process,
/// the module and the bare pager in turn, round by round: the module's time to the last item taken and, with
/// `catchupps`, phase by phase in a runspace (Add-C2Subscription returned, the loop's last frame, the pipeline's last
/// object); each round's process CPU, methods the JIT compiled, collections and what the last one promoted. Warm-up until the JIT
/// is quiet (<see cref="JitQuiet"/>), then medians of `rounds` rounds. `catchup` reads with an InboxReader on a thread of
/// its own (the module alone, no PowerShell). Not part of the table; used to explain it (docs/benchmarks.md).
/// </summary>
internal static class CatchUpProfile
{
    private const int C = 10_000;

    public static async Task<int> RunAsync(int rounds, bool powerShell)
    {
        await using var sim = await RemoteSim.StartAsync();
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -InboxCapacity $args[2]", sim.Uri, sim.DemoApiKey, 2 * C);
        var session = (C2Session)Env.Invoke(rs, "$s")[0].BaseObject;
        using var bare = await BareClient.ConnectAsync(sim.Uri, sim.DemoApiKey);
        var pager = new ReplayCase.BarePager(bare);
        _ = Task.Run(() => bare.RunAsync(pager.OnMessage, default));
        var settle = new JitQuiet(3, 150);
        var warm = true;
        var module = new List<double>();
        var bareMs = new List<double>();
        for (var r = 0; module.Count < rounds; r++)
        {
            long ms = 2000 + 2 * r, bs = 2001 + 2 * r;
            await sim.PublishSignalsAsync(ms, C + 1);
            await sim.PublishSignalsAsync(bs, C + 1);
            for (var k = 0; k < 2; k++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var jit0 = JitInfo.GetCompiledMethodCount();
                var gc0 = GcMark.Now();
                string line;
                double took;
                if ((r + k) % 2 == 0)
                {
                    (took, line) = powerShell ? ModuleInPowerShell(rs, session, ms) : await ModuleAloneAsync(session, ms);
                    Env.Invoke(rs, "Remove-C2Subscription -StrategyId $args[0]", ms);
                    if (!warm) module.Add(took);
                }
                else
                {
                    took = await pager.RunAsync(bs, C);
                    await bare.UnsubscribeAsync(bs);
                    line = Config.Inv($"bare {took:0.0} ms");
                    if (!warm) bareMs.Add(took);
                }
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                Console.WriteLine(Config.Inv($"round {r + 1}: {line}; CPU {cpu.TotalMilliseconds:0} ms; JIT {JitInfo.GetCompiledMethodCount() - jit0} methods; {GcMark.Now().Since(gc0, C)}{gc0.LastCollection()}"));
            }
            await sim.RestartStreamAsync(ms);
            await sim.RestartStreamAsync(bs);
            if (warm) warm = !settle.RoundEnded();
        }
        Console.WriteLine(Config.Inv($"medians of {module.Count} rounds ({settle.Describe()}): module {Stat.Median(module):0.0} ms, bare {Stat.Median(bareMs):0.0} ms, {Stat.Median(module) / Stat.Median(bareMs):0.00}x"));
        return 0;
    }

    private static (double, string) ModuleInPowerShell(System.Management.Automation.Runspaces.Runspace rs, C2Session session, long sid)
    {
        var o = Env.Invoke(rs, "$t0 = [Diagnostics.Stopwatch]::GetTimestamp(); $null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; $t1 = [Diagnostics.Stopwatch]::GetTimestamp(); " +
            "$null = Receive-C2Signal -Count $args[1] -TimeoutSec 120; $t2 = [Diagnostics.Stopwatch]::GetTimestamp(); $t0; $t1; $t2", sid, C);
        long t0 = (long)o[0].BaseObject, t1 = (long)o[1].BaseObject, t2 = (long)o[2].BaseObject;
        var last = session._lastFrameTicks; // read before Remove-C2Subscription, whose ack is a frame too
        var took = Stat.TicksToMs(t2 - t0);
        return (took, Config.Inv($"module {took:0.0} ms: subscribed {Stat.TicksToMs(t1 - t0):0.0}, loop's last frame {Stat.TicksToMs(last - t0):0.0}, last object {took:0.0}"));
    }

    private static async Task<(double, string)> ModuleAloneAsync(C2Session session, long sid)
    {
        var t0 = Stopwatch.GetTimestamp();
        var drained = Task.Factory.StartNew(() => SessionThroughputCase.Drain(session, C), TaskCreationOptions.LongRunning);
        await session.SubscribeAsync("strategy.signal", sid, 1, TimeSpan.FromSeconds(10), default);
        var sub = Stat.TicksToMs(Stopwatch.GetTimestamp() - t0);
        await drained;
        var took = Stat.TicksToMs(Stopwatch.GetTimestamp() - t0);
        return (took, Config.Inv($"module {took:0.0} ms (subscribed at {sub:0.0} ms)"));
    }
}
