using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace C2WebSocket.Tests.Hostile
{
    /// <summary>
    /// A real HTTP CONNECT proxy (Debian's tinyproxy) on a free loopback port, with a generated config and its log
    /// in a temporary folder. .ci/install-deps.sh installs it; when it is missing the test fails and says so.
    /// </summary>
    internal sealed class TinyProxy : IDisposable
    {
        private readonly Process _process;
        private readonly string _dir;

        private TinyProxy(Process process, string dir, int port, string logPath)
        {
            _process = process; _dir = dir; Port = port; LogPath = logPath;
        }

        public int Port { get; }
        public string LogPath { get; }
        public Uri Uri => new Uri("http://127.0.0.1:" + Port + "/");

        private static readonly Lazy<string> ExecutableLazy = new Lazy<string>(FindOrInstall);

        /// <summary>The tinyproxy binary; installed once through .ci/install-deps.sh when missing, so a plain
        /// `dotnet test` works on a fresh machine. Fails with the installer's output when that is not possible.</summary>
        public static string Executable => ExecutableLazy.Value;

        private static string? Find()
        {
            foreach (var candidate in new[] { "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy", "/usr/local/bin/tinyproxy" })
                if (File.Exists(candidate)) return candidate;
            var path = Environment.GetEnvironmentVariable("PATH") ?? "";
            foreach (var d in path.Split(Path.PathSeparator))
                if (d.Length > 0 && File.Exists(Path.Combine(d, "tinyproxy"))) return Path.Combine(d, "tinyproxy");
            return null;
        }

        private static string FindOrInstall()
        {
            var found = Find();
            if (found != null) return found;
            var script = Path.Combine(Repo.Root, ".ci", "install-deps.sh");
            var output = "";
            try
            {
                var psi = new ProcessStartInfo("bash", "\"" + script + "\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                using var p = Process.Start(psi)!;
                var stderr = p.StandardError.ReadToEndAsync();
                output = p.StandardOutput.ReadToEnd() + stderr.Result;
                p.WaitForExit();
            }
            catch (Exception ex) { output = ex.Message; }
            return Find() ?? throw new Xunit.Sdk.XunitException("tinyproxy is not installed and " + script + " could not install it, so the proxy tests cannot run: " + output.Trim());
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            try { return ((IPEndPoint)l.LocalEndpoint).Port; }
            finally { l.Stop(); }
        }

        public static async Task<TinyProxy> StartAsync(int connectPort, string? user = null, string? password = null)
        {
            var exe = Executable;
            var dir = Path.Combine(Path.GetTempPath(), "c2-tinyproxy-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            var port = FreePort();
            var log = Path.Combine(dir, "tinyproxy.log");
            var conf = Path.Combine(dir, "tinyproxy.conf");
            var lines = new[]
            {
                "Port " + port,
                "Listen 127.0.0.1",
                "Timeout 60",
                "LogFile \"" + log + "\"",
                "LogLevel Connect",
                "MaxClients 50",
                "Allow 127.0.0.1",
                "ConnectPort " + connectPort,
                user != null ? "BasicAuth " + user + " " + password : "",
            };
            File.WriteAllLines(conf, lines);
            var psi = new ProcessStartInfo(exe)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.ArgumentList.Add("-d"); // foreground: the test owns the process and ends it
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(conf);
            var p = Process.Start(psi) ?? throw new Xunit.Sdk.XunitException("Could not start " + exe);
            p.OutputDataReceived += (_, __) => { };
            p.ErrorDataReceived += (_, __) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var proxy = new TinyProxy(p, dir, port, log);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                if (p.HasExited) { proxy.Dispose(); throw new Xunit.Sdk.XunitException("tinyproxy exited at start (code " + p.ExitCode + "); config: " + string.Join(" | ", lines)); }
                try
                {
                    using var c = new TcpClient();
                    await c.ConnectAsync(IPAddress.Loopback, port);
                    return proxy;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }
            }
        }

        public string Log
        {
            get
            {
                if (!File.Exists(LogPath)) return "";
                using var fs = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var r = new StreamReader(fs);
                return r.ReadToEnd();
            }
        }

        /// <summary>CONNECT requests the proxy received for 127.0.0.1:<paramref name="port"/>.</summary>
        public int ConnectRequests(int port) => Regex.Matches(Log, @"Request \(file descriptor \d+\): CONNECT 127\.0\.0\.1:" + port + " ").Count;

        public void Dispose()
        {
            try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } } catch (Exception) { }
            _process.Dispose();
            try { Directory.Delete(_dir, true); } catch (Exception) { }
        }
    }
}
