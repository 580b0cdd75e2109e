using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Shell
{
    /// <summary>
    /// c2shell: runs a PowerShell script or command in the PowerShell 7.6 engine with the built C2WebSocket
    /// module imported, against an embedded C2 simulator that publishes synthetic signals. For machines
    /// without pwsh, and for offline script development.
    /// </summary>
    public static class Program
    {
        private const string Usage = @"usage: c2shell [-File script.ps1 | -Command '<pipeline>'] [--rate signalsPerSecond] [--no-simulator] [--module path/to/C2WebSocket.psd1]

Runs the script in the PowerShell 7.6 engine with the C2WebSocket module imported. Unless --no-simulator is
given, a C2 simulator runs on loopback and publishes synthetic signals and position updates for strategies
12345678, 87654321 and 55555555; $env:C2_SIMULATOR_URI holds its address and $env:C2_API_KEY its demo key.";

        public static async Task<int> Main(string[] args)
        {
            string? file = null, command = null, module = null;
            var rate = 20.0;
            var simulator = true;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i].ToLowerInvariant())
                {
                    case "-file": case "--file": file = Arg(args, ref i); break;
                    case "-command": case "--command": case "-c": command = Arg(args, ref i); break;
                    case "--rate": rate = double.Parse(Arg(args, ref i), CultureInfo.InvariantCulture); break;
                    case "--no-simulator": simulator = false; break;
                    case "--module": module = Arg(args, ref i); break;
                    case "-h": case "--help": case "-?": Console.WriteLine(Usage); return 0;
                    default: Console.Error.WriteLine("Unknown argument '" + args[i] + "'.\n" + Usage); return 2;
                }
            }
            if (file == null && command == null) { Console.Error.WriteLine(Usage); return 2; }
            var script = file != null ? File.ReadAllText(file) : command!;
            module ??= FindModule();

            C2Simulator? sim = null;
            using var stop = new CancellationTokenSource();
            Task publisher = Task.CompletedTask;
            if (simulator)
            {
                sim = await C2Simulator.StartAsync(new SimulatorOptions());
                Environment.SetEnvironmentVariable("C2_SIMULATOR_URI", sim.Uri.ToString());
                Environment.SetEnvironmentVariable("C2_API_KEY", sim.DemoApiKey);
                Console.WriteLine("# C2 simulator on " + sim.Uri + " publishing " + rate.ToString(CultureInfo.InvariantCulture) + " signals/s ($env:C2_SIMULATOR_URI, $env:C2_API_KEY set)");
                publisher = PublishAsync(sim, rate, stop.Token);
            }

            var host = new TextHost(Console.Out, Math.Max(80, SafeWidth()));
            using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
            runspace.Open();
            var exit = 0;
            using (var ps = PowerShell.Create())
            {
                ps.Runspace = runspace;
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; ps.BeginStop(null, null); };
                Console.CancelKeyPress += onCancel;
                try
                {
                    ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop").AddArgument(module);
                    ps.Invoke();
                    ps.Commands.Clear();
                    if (file != null) Console.WriteLine("# " + Path.GetFileName(file));
                    foreach (var line in script.Split('\n').Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("#", StringComparison.Ordinal)))
                        Console.WriteLine("PS> " + line.TrimEnd('\r'));
                    ps.AddScript(script).AddCommand("Out-Default");
                    ps.Invoke();
                    if (ps.HadErrors) exit = 1;
                }
                catch (RuntimeException ex)
                {
                    host.UI.WriteErrorLine(ex.ErrorRecord.ToString());
                    exit = 1;
                }
                finally
                {
                    Console.CancelKeyPress -= onCancel;
                }
            }
            stop.Cancel();
            await publisher;
            if (sim != null) await sim.DisposeAsync();
            return host.ExitCode ?? exit;
        }

        private static string Arg(string[] args, ref int i)
        {
            if (i + 1 >= args.Length) throw new ArgumentException(args[i] + " needs a value.");
            return args[++i];
        }

        private static int SafeWidth()
        {
            try { return Console.IsOutputRedirected ? 140 : Console.WindowWidth; } catch (IOException) { return 140; }
        }

        /// <summary>out/C2WebSocket/C2WebSocket.psd1 of the repository this shell was built from.</summary>
        private static string FindModule()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "out", "C2WebSocket", "C2WebSocket.psd1");
                if (File.Exists(candidate)) return candidate;
            }
            return "C2WebSocket";
        }

        private static async Task PublishAsync(C2Simulator sim, double rate, CancellationToken stop)
        {
            long[] strategies = { 12345678, 87654321, 55555555 };
            var interval = TimeSpan.FromSeconds(1 / Math.Max(rate, 0.1));
            var n = 0;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var id = strategies[n % strategies.Length];
                    sim.PublishSignal(id);
                    if (n % 5 == 0) sim.PublishPosition(id);
                    n++;
                    await Task.Delay(interval, stop);
                }
            }
            catch (OperationCanceledException) { }
        }
    }
}
