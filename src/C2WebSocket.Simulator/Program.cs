using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Simulator;

/// <summary>Standalone mode:
/// <c>dotnet run --project src/C2WebSocket.Simulator -- [--port N] [--rate signalsPerSecond] [--tls]
/// [--heartbeat seconds] [--heartbeat-grace seconds] [--replay-limit N] [--vocabulary snake|rest|none] ...</c> (see <see cref="Usage"/>).
/// Prints the ws:// URI, the demo API key and the demo strategy ids, then publishes synthetic signals (and a
/// position update every 5th signal) until Ctrl+C. The HTTP control API is enabled (see <see cref="ControlApi"/>).</summary>
internal static class SimulatorProgram
{
    internal static readonly long[] DemoStrategies = { 12345678, 87654321, 55555555 };

    internal const string Usage =
        "usage: C2WebSocket.Simulator [options]\n" +
        "  --port N                 TCP port on 127.0.0.1 (default 8765, 0 = ephemeral)\n" +
        "  --rate R                 synthetic signals per second (default 1, 0 = none)\n" +
        "  --tls                    wss:// with a throwaway self-signed certificate\n" +
        "  --heartbeat S            heartbeat interval in seconds (default 30)\n" +
        "  --heartbeat-grace S      grace after a missed ack before the server closes (default 10)\n" +
        "  --replay-limit N         signals replayed before a gap (default 1000)\n" +
        "  --api-key KEY            another accepted key besides the demo key (repeatable)\n" +
        "  --forbid STRATEGY        a strategy no key may subscribe to: error FORBIDDEN (repeatable)\n" +
        "  --exit-on-stdin-close    stop when standard input closes (for tools that start it as a child process)\n" +
        "Open points of the C2 docs (the branch the simulator plays; also POST /control/options):\n" +
        "  --vocabulary snake|rest|none        synthetic payloads: snake_case | C2 REST v4 names | snake_case without strategy_id\n" +
        "  --envelope-strategy none|id|stream  strategy also in the envelope: no | \"strategy_id\": N | \"channel\": \"strategy.signal:N\"\n" +
        "  --resume-from string|number|both    accepted JSON type(s) of resume_from (default both)\n" +
        "  --error-request-id echo|omit        error messages echo request_id (default echo)\n" +
        "  --version-format number|string      \"v\": 4 or \"v\": \"4\" (default number)\n" +
        "  --ack-payload full|empty|absent     subscription.ack payload (default full)\n" +
        "  --no-unsubscribe-ack                never answer an unsubscribe\n" +
        "  --heartbeat-close-status N          close status for a missed heartbeat (default 1008)\n" +
        "  --replay-retention N                a replay serves only the newest N signals of each stream (default 0: all)\n" +
        "  --below-retention replay|gap-first  resume_from below the oldest held: replay from it | a gap at once, then that\n" +
        "  --rejection-code STATUS=CODE        body code of a refused upgrade, e.g. 429=TOO_MANY_REQUESTS (repeatable)\n" +
        "REST API (GET /Strategies/GetStrategyHistoricalOrders, GetStrategyActiveOrders, GetStrategyHistoricalClosedTrades):\n" +
        "  --rest-casing pascal|camel          names of REST responses (default pascal)\n" +
        "  --rest-page-size N                  most rows per page whatever the client's Limit (default 1000)\n" +
        "  --rest-end-marker null|empty|missing  the last page's next_cursor (default null)\n";

    public static async Task<int> Main(string[] args)
    {
        var options = new SimulatorOptions { Port = 8765, EnableControlApi = true };
        double rate = 1;
        var forbidden = new List<long>();
        var exitOnStdinClose = false;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--port": options.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--rate": rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--tls": options.UseTls = true; break;
                    case "--heartbeat": options.HeartbeatInterval = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--heartbeat-grace": options.HeartbeatGrace = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--replay-limit": options.ReplayLimit = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--api-key": options.ApiKeys[Next()] = new SimulatorKey(); break;
                    case "--forbid": forbidden.Add(long.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--exit-on-stdin-close": exitOnStdinClose = true; break;
                    case "--vocabulary" or "--envelope-strategy" or "--resume-from" or "--error-request-id" or "--version-format"
                        or "--ack-payload" or "--heartbeat-close-status" or "--rejection-code" or "--replay-retention" or "--below-retention"
                        or "--rest-casing" or "--rest-page-size" or "--rest-end-marker":
                        OptionWords.Apply(options, args[i].Substring(2), Next());
                        break;
                    case "--no-unsubscribe-ack": options.AckUnsubscribe = false; break;
                    case "-h" or "--help" or "-?":
                        Console.Write(Usage);
                        return 0;
                    default: throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine("--help lists the options.");
            return 2;
        }

        foreach (var key in options.ApiKeys.Values) key.ForbiddenStrategies.UnionWith(forbidden);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        if (exitOnStdinClose)
        {
            _ = Task.Run(async () =>
            {
                try { await Console.OpenStandardInput().CopyToAsync(System.IO.Stream.Null); }
                catch (Exception) { }
                stop.Cancel();
            });
        }

        await using var sim = await C2Simulator.StartAsync(options);
        Console.WriteLine($"C2 simulator listening on {sim.Uri}");
        Console.WriteLine($"API key:     {sim.DemoApiKey}");
        Console.WriteLine($"Strategies:  {string.Join(", ", DemoStrategies)}");
        Console.WriteLine($"Control API: {sim.HttpUri}control  (GET for help)");
        Console.WriteLine($"REST API:    {sim.RestUri}Strategies/GetStrategyHistoricalOrders?StrategyId={DemoStrategies[0]}  (same key)");
        Console.WriteLine("Branches:    " + string.Join(", ", OptionWords.Describe(sim.Options)
            .Where(kv => kv.Key != "rejection_codes").Select(kv => $"{kv.Key}={(kv.Value is bool b ? (b ? "true" : "false") : kv.Value)}")));
        if (sim.Certificate is not null) Console.WriteLine($"TLS cert SHA-1 thumbprint: {sim.Certificate.Thumbprint} (self-signed)");
        Console.WriteLine($"Publishing {rate.ToString(CultureInfo.InvariantCulture)} signal(s)/s; Ctrl+C to stop.");

        try { await PublishLoopAsync(sim, rate, stop.Token); }
        catch (OperationCanceledException) { }
        Console.WriteLine($"Stopping. {sim.Stats}");
        return 0;
    }

    private static async Task PublishLoopAsync(C2Simulator sim, double rate, CancellationToken ct)
    {
        if (rate <= 0) { await Task.Delay(Timeout.Infinite, ct); return; }
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(1000.0 / rate, 10, 1000));
        using var timer = new PeriodicTimer(tick);
        var started = DateTime.UtcNow;
        long published = 0;
        while (await timer.WaitForNextTickAsync(ct))
        {
            long due = (long)((DateTime.UtcNow - started).TotalSeconds * rate);
            for (; published < due; published++)
            {
                long strategy = DemoStrategies[published % DemoStrategies.Length];
                try
                {
                    sim.PublishSignal(strategy);
                    if (published % 5 == 4) sim.PublishPosition(strategy);
                }
                catch (Exception ex) { Console.Error.WriteLine("publish failed: " + ex.Message); }
            }
        }
    }
}
