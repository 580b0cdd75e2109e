using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
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
        return new List<Row>
        {
            new("memory per queued signal", Config.Inv($"{Queued:N0} queued: {per:N0} bytes each"), Config.Inv($"raw message: {rawMed:N0} bytes"), Stat.Ratio(per / rawMed), "<= 3x raw", Config.Met(per / rawMed <= 3),
                "managed heap after full collections, before and after 10,000 signals reached an unread inbox, in a process of its own (the simulator's history is not counted)"),
        };
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
