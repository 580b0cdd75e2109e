using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// `--profile alloc`: what the module allocates per message, by type, from the runtime's own allocation sampling
/// (GCAllocationTick: one event per about 100 KB allocated, naming the type of the object that crossed it), over
/// catch-ups of 10,000 read by Receive-C2Signal in a runspace (`alloc`) or by an InboxReader (`allocsession`), the
/// simulator in a process of its own. Not part of the table; used to find what to cut.
/// </summary>
internal static class AllocProfile
{
    /// <param name="powerShell">Read by Receive-C2Signal in a runspace; else by an InboxReader on a thread of its own (the
    /// module alone).</param>
    public static async Task<int> RunAsync(int rounds, bool powerShell)
    {
        const int C = 10_000;
        await using var sim = await RemoteSim.StartAsync(); // out of process: only the client's allocations are counted
        using var rs = Env.OpenRunspace();
        Env.Invoke(rs, "$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey);
        var session = (C2Session)Env.Invoke(rs, "$s")[0].BaseObject;
        for (var r = 0; r < 20; r++) await sim.PublishSignalsAsync(5000 + r, C + 1);
        for (var r = 0; r < rounds; r++) await sim.PublishSignalsAsync(5100 + r, C + 1);
        void Round(int r)
        {
            if (powerShell)
                Env.Invoke(rs, "$null = Add-C2Subscription -StrategyId $args[0] -ResumeFrom 1; $null = Receive-C2Signal -Count $args[1] -TimeoutSec 120; Remove-C2Subscription -StrategyId $args[0]", 5000 + r, C);
            else
            {
                var drained = Task.Factory.StartNew(() => SessionThroughputCase.Drain(session, C), TaskCreationOptions.LongRunning);
                session.SubscribeAsync("strategy.signal", 5000 + r, 1, TimeSpan.FromSeconds(10), default).GetAwaiter().GetResult();
                drained.GetAwaiter().GetResult();
                Env.Invoke(rs, "Remove-C2Subscription -StrategyId $args[0]", 5000 + r);
            }
            sim.RestartStreamAsync(5000 + r).GetAwaiter().GetResult();
        }
        for (var r = 0; r < 20; r++) Round(r); // warm
        using var listener = new TickListener();
        var before = GC.GetTotalAllocatedBytes(true);
        for (var r = 0; r < rounds; r++) Round(100 + r);
        var total = GC.GetTotalAllocatedBytes(true) - before;
        var n = (double)rounds * C;
        Console.WriteLine($"{rounds} rounds of {C:N0}: {total / n:0} B per message in the client's process");
        KeyValuePair<string, double>[] sampled;
        lock (listener.Bytes) sampled = listener.Bytes.ToArray(); // events keep arriving on the runtime's thread
        var sum = sampled.Sum(k => k.Value);
        foreach (var (type, bytes) in sampled.OrderByDescending(k => k.Value).Take(25))
            Console.WriteLine($"{bytes / sum * total / n,8:0.0} B/msg  {type}");
        return 0;
    }

    private sealed class TickListener : EventListener
    {
        public readonly Dictionary<string, double> Bytes = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload == null) return;
            var i = e.PayloadNames!.IndexOf("TypeName");
            var a = e.PayloadNames.IndexOf("AllocationAmount64");
            if (i < 0) return;
            var type = e.Payload[i] as string ?? "?";
            var amount = a >= 0 ? Convert.ToDouble(e.Payload[a]) : 100_000;
            lock (Bytes) Bytes[type] = (Bytes.TryGetValue(type, out var v) ? v : 0) + amount;
        }
    }
}
