using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// `--profile`: where the session's per-message time goes, stage by stage, on one real ~400-byte signal from the
/// simulator, single thread, no network. Not part of the table; used to explain it (docs/benchmarks.md).
/// </summary>
internal static class Profile
{
    public static async Task<int> RunAsync()
    {
        await using var sim = await Env.StartSimAsync();
        using var bare = await BareClient.ConnectAsync(sim);
        string? raw = null;
        var got = new TaskCompletionSource();
        var loop = Task.Run(() => bare.RunAsync((root, type, _) => { if (type == "strategy.signal") { raw = root.GetRawText(); got.TrySetResult(); return false; } return true; }, default));
        await bare.SubscribeAsync(1);
        await Task.Delay(200);
        sim.PublishSignal(1);
        await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var bytes = Encoding.UTF8.GetBytes(raw!);
        Console.WriteLine($"message: {bytes.Length} bytes");

        const int N = 20000;
        var env = EnvelopeReader.Decode(bytes, bytes.Length);
        Time("JsonDocument.Parse (bare loop's work)", N, () => { using var d = System.Text.Json.JsonDocument.Parse(bytes); });
        Time("EnvelopeReader.Decode (UTF-8 check + one reader pass, strategy found)", N, () => EnvelopeReader.Decode(bytes, bytes.Length));
        Time("byte copy + C2Signal (what the receive path keeps)", N, () =>
        {
            var copy = new byte[bytes.Length];
            Buffer.BlockCopy(bytes, 0, copy, 0, bytes.Length);
            _ = new C2Signal(1, 1, env, copy, DateTimeOffset.UtcNow, 0);
        });
        Time("PayloadFields.Decode (pipeline side, on first property access)", N, () => PayloadFields.Decode(bytes, env.PayloadStart, env.PayloadLength));
        return 0;
    }

    private static void Time(string what, int n, Action a)
    {
        for (var i = 0; i < n / 4; i++) a(); // warm-up / tiering
        // The machine is shared and noisy: the best of 5 batches is the stage's own cost.
        var us = double.MaxValue;
        var alloc0 = GC.GetAllocatedBytesForCurrentThread();
        for (var batch = 0; batch < 5; batch++)
        {
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < n / 5; i++) a();
            us = Math.Min(us, Stat.TicksToUs(Stopwatch.GetTimestamp() - t) / (n / 5));
        }
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)n;
        Console.WriteLine($"{what,-64} {us,8:0.00} us/msg {bytes,8:N0} B/msg  ({1e6 / us:N0}/s)");
    }
}
