using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.WebSockets;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>One line of the result table.</summary>
internal sealed record Row(string Case, string Figure, string Baseline, string Ratio, string Target, string Met, string Note = "")
{
    /// <summary>The 1-minute load average before and after the case ran ("0.12 -> 0.31"), set by Program.</summary>
    public string Load { get; init; } = "";
}

/// <summary>The machine's load average (Linux /proc/loadavg): ratios compress when other work shares the cores.</summary>
internal static class LoadAverage
{
    public static string Now()
    {
        try { return System.IO.File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (Exception) { return "n/a"; }
    }
}

internal static class Stat
{
    public static double Median(IEnumerable<double> values)
    {
        var a = values.OrderBy(x => x).ToArray();
        if (a.Length == 0) return double.NaN;
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile (p in 0..100).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var a = values.OrderBy(x => x).ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * a.Length);
        return a[Math.Clamp(rank - 1, 0, a.Length - 1)];
    }

    public static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    public static double TicksToUs(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    public static string F(double v, string unit = "")
    {
        if (double.IsNaN(v)) return "n/a";
        var s = Math.Abs(v) >= 1000 ? v.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
              : Math.Abs(v) >= 100 ? v.ToString("0", System.Globalization.CultureInfo.InvariantCulture)
              : Math.Abs(v) >= 10 ? v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)
              : v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        return unit.Length == 0 ? s : s + " " + unit;
    }

    public static string Ratio(double r) => double.IsNaN(r) || double.IsInfinity(r) ? "n/a" : r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "x";
}

internal static class Repo
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "C2PowerShell.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (C2PowerShell.sln) above " + AppContext.BaseDirectory);
    });

    public static string Root => RootLazy.Value;
    public static string ModuleManifest => Path.Combine(Root, "out", "C2WebSocket", "C2WebSocket.psd1");
    public static string NodeDir => Path.Combine(Root, "tests", "C2WebSocket.Benchmarks", "node");
}

/// <summary>Simulators, sessions and hosted runspaces for the cases.</summary>
internal static class Env
{
    public static Task<C2Simulator> StartSimAsync(Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions();
        configure?.Invoke(o);
        return C2Simulator.StartAsync(o);
    }

    public static SecureString Secure(string s) => C2WebSocket.Commands.SecureText.From(s);

    public static async Task<C2Session> OpenSessionAsync(C2Simulator sim, Action<C2SessionOptions>? configure = null)
    {
        var o = new C2SessionOptions
        {
            Uri = sim.Uri,
            ApiKey = Secure(sim.DemoApiKey),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(o);
        var s = new C2Session(o);
        await s.OpenAsync(CancellationToken.None);
        return s;
    }

    /// <summary>A runspace of the hosted PowerShell 7.6 engine with the built module imported (and the
    /// benchmark's own probe cmdlet available).</summary>
    public static Runspace OpenRunspace(bool importModule = true)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Measure-BenchArrival", typeof(MeasureBenchArrivalCommand), null));
        iss.Commands.Add(new SessionStateCmdletEntry("Write-BenchObject", typeof(WriteBenchObjectCommand), null));
        var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        if (importModule) Invoke(rs, "Import-Module -Name $args[0] -ErrorAction Stop", Repo.ModuleManifest);
        return rs;
    }

    public static List<PSObject> Invoke(Runspace rs, string script, params object?[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        foreach (var a in args) ps.AddArgument(a);
        var output = ps.Invoke().ToList();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
            throw new InvalidOperationException("PowerShell error: " + string.Join(" | ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return output;
    }

    public static void SetVar(Runspace rs, string name, object? value) => rs.SessionStateProxy.SetVariable(name, value);
}

/// <summary>
/// Records the Stopwatch timestamp at which each object reaches it (the first command after Receive-C2Signal),
/// with the publisher's timestamp read from the payload field <c>t0</c>.
/// </summary>
[Cmdlet("Measure", "BenchArrival")]
public sealed class MeasureBenchArrivalCommand : PSCmdlet
{
    internal static readonly List<double> LatenciesUs = new();

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        var now = Stopwatch.GetTimestamp();
        if (InputObject?.Properties["t0"]?.Value is long t0)
            lock (LatenciesUs) LatenciesUs.Add(Stat.TicksToUs(now - t0));
    }
}

/// <summary>The engine's floor for a compiled cmdlet that writes objects one by one (what Receive-C2Signal does
/// with the objects it takes): WriteObject of each item of an array, nothing else.</summary>
[Cmdlet("Write", "BenchObject")]
public sealed class WriteBenchObjectCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public object[] InputArray { get; set; } = Array.Empty<object>();

    protected override void EndProcessing()
    {
        foreach (var o in InputArray) WriteObject(o);
    }
}

/// <summary>
/// The ceiling of the stack: a bare ClientWebSocket, one receive buffer, JsonDocument.Parse per message.
/// </summary>
internal sealed class BareClient : IDisposable
{
    private readonly ClientWebSocket _ws = new();
    private byte[] _buffer = new byte[64 * 1024];
    private readonly SemaphoreSlim _send = new(1, 1);

    public static Task<BareClient> ConnectAsync(C2Simulator sim) => ConnectAsync(sim.Uri, sim.DemoApiKey);

    public static async Task<BareClient> ConnectAsync(Uri uri, string apiKey)
    {
        var c = new BareClient();
        c._ws.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        await c._ws.ConnectAsync(uri, CancellationToken.None);
        return c;
    }

    public static string Timestamp() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public Task SendAsync(string json) => SendBytesAsync(Encoding.UTF8.GetBytes(json));

    private async Task SendBytesAsync(byte[] bytes)
    {
        await _send.WaitAsync();
        try { await _ws.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { _send.Release(); }
    }

    public Task SubscribeAsync(long strategyId, long? resumeFrom = null) => SendAsync(
        "{\"msg_type\":\"subscription.request\",\"request_id\":\"bare-" + strategyId + "\",\"timestamp\":\"" + Timestamp() +
        "\",\"payload\":{\"action\":\"subscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":" + strategyId +
        (resumeFrom.HasValue ? ",\"resume_from\":\"" + resumeFrom.Value + "\"" : "") + "}}");

    public Task UnsubscribeAsync(long strategyId) => SendAsync(
        "{\"msg_type\":\"subscription.request\",\"request_id\":\"bare-u" + strategyId + "\",\"timestamp\":\"" + Timestamp() +
        "\",\"payload\":{\"action\":\"unsubscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":" + strategyId + "}}");

    private static readonly byte[] AckPrefix = Encoding.UTF8.GetBytes("{\"msg_type\":\"heartbeat.ack\",\"timestamp\":\"");

    /// <summary>
    /// Receives until <paramref name="onMessage"/> returns false. Each message is parsed with JsonDocument;
    /// heartbeats are answered on the loop (as the module does). The callback gets the root and its msg_type.
    /// </summary>
    public async Task RunAsync(Func<JsonElement, string, long, bool> onMessage, CancellationToken cancel)
    {
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                if (length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                r = await _ws.ReceiveAsync(_buffer.AsMemory(length), cancel);
                if (r.MessageType == WebSocketMessageType.Close) return;
                length += r.Count;
            } while (!r.EndOfMessage);
            var now = Stopwatch.GetTimestamp();
            using var doc = JsonDocument.Parse(_buffer.AsMemory(0, length));
            var root = doc.RootElement;
            var type = root.GetProperty("msg_type").GetString() ?? "";
            if (type == "heartbeat")
            {
                await SendAsync("{\"msg_type\":\"heartbeat.ack\",\"timestamp\":\"" + Timestamp() + "\"}");
                continue;
            }
            if (!onMessage(root, type, now)) return;
        }
    }

    public async Task CloseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        }
        catch (Exception) { }
    }

    public void Dispose() => _ws.Dispose();
}

/// <summary>Payloads shaped like the simulator's synthetic ~400-byte signal, with the publisher's Stopwatch timestamp.</summary>
internal static class Payloads
{
    private static int s_n;

    public static string TimedSignal(long strategyId)
    {
        var n = Interlocked.Increment(ref s_n);
        var side = n % 2 == 0 ? "buy" : "sell";
        var t0 = Stopwatch.GetTimestamp();
        return "{\"strategy_id\":" + strategyId + ",\"signal_id\":" + (500000 + n) + ",\"symbol\":\"ESZ6\",\"symbol_type\":\"future\",\"side\":\"" + side +
               "\",\"action\":\"open\",\"quantity\":2,\"order_type\":\"limit\",\"limit_price\":5012.25,\"stop_price\":null,\"tif\":\"day\",\"posted_at\":\"" +
               BareClient.Timestamp() + "\",\"t0\":" + t0 + "}";
    }
}
