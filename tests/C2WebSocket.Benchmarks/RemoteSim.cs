using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// The simulator in a process of its own, driven by lines on its stdin ("publish SID N", "restart SID"), each
/// answered "ok" once done (or, started as <c>--serve-sim</c>, the idle case's simulator, which takes none). The replay,
/// checkpoint and idle cases use it: a real server's heap is not the client's, and an
/// in-process simulator's freshly published history (tens of MB a round) sat in the young generation, so whichever
/// client collected first paid to promote it; the module, allocating more per message than the bare loop, collected
/// most of the time (perf and GC.GetGCMemoryInfo: its collections promoted 2-6 MB and paused 3-7 ms, the bare
/// loop's 0.5-1.1 MB and 1.4 ms). Out of process, each client's collections hold only its own objects.
/// </summary>
internal sealed class RemoteSim : IAsyncDisposable
{
    private readonly Process _child;

    private RemoteSim(Process child, Uri uri, string key) { _child = child; Uri = uri; DemoApiKey = key; }

    public Uri Uri { get; }
    public string DemoApiKey { get; }

    /// <param name="mode">The child's mode: this one's commands, or the idle case's simulator with 100 ms heartbeats
    /// (<c>--serve-sim</c>, which takes no commands).</param>
    public static async Task<RemoteSim> StartAsync(string mode = "--serve-sim-commands")
    {
        var child = IdleCase.StartChild(mode);
        var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var parts = line?.Split(' ');
        if (parts is not { Length: 3 } || parts[0] != "SIM")
        {
            try { child.Kill(true); } catch (Exception) { }
            throw new InvalidOperationException("the simulator child process said: " + line);
        }
        return new RemoteSim(child, new Uri(parts[1]), parts[2]);
    }

    /// <summary>Publishes signals with seq_id 1..n (the stream's next ones) while nobody is subscribed: its history.</summary>
    public Task PublishSignalsAsync(long strategyId, int n) => CommandAsync(Inv($"publish {strategyId} {n}"));

    /// <summary>Forgets a stream's history (its sequence starts again at 1).</summary>
    public Task RestartStreamAsync(long strategyId) => CommandAsync(Inv($"restart {strategyId}"));

    private async Task CommandAsync(string line)
    {
        await _child.StandardInput.WriteLineAsync(line);
        await _child.StandardInput.FlushAsync();
        var reply = await _child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (reply != "ok") throw new InvalidOperationException("the simulator child process answered '" + line + "' with: " + reply);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try { _child.StandardInput.Close(); } catch (Exception) { }
        if (!await Task.Run(() => _child.WaitForExit(5000))) try { _child.Kill(true); } catch (Exception) { }
        _child.Dispose();
    }

    /// <summary>The child process: a simulator with the default options, serving commands until stdin closes.</summary>
    public static async Task<int> ServeAsync()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions());
        Console.WriteLine("SIM " + sim.Uri + " " + sim.DemoApiKey);
        Console.Out.Flush();
        await Task.Run(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                var p = line.Split(' ');
                var sid = long.Parse(p[1], CultureInfo.InvariantCulture);
                if (p[0] == "publish") sim.PublishSignals(sid, int.Parse(p[2], CultureInfo.InvariantCulture));
                else if (p[0] == "restart") sim.RestartStream("strategy.signal", sid);
                else { Console.WriteLine("unknown command: " + line); Console.Out.Flush(); continue; }
                Console.WriteLine("ok");
                Console.Out.Flush();
            }
        });
        return 0;
    }
}
