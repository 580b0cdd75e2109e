using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Hostile
{
    /// <summary>wss:// certificate checks, ws:// refusal, and -Proxy/-ProxyCredential through a real CONNECT proxy.</summary>
    public class TransportSafetyTests
    {
        internal const string Key = "HOSTILE-transport-key-7Q4mZp";

        internal static Task<C2Simulator> StartSimAsync(Action<SimulatorOptions>? configure = null) => Sim.StartFastAsync(o =>
        {
            o.ApiKeys = new System.Collections.Generic.Dictionary<string, SimulatorKey>(StringComparer.Ordinal) { [Key] = new SimulatorKey() };
            configure?.Invoke(o);
        });

        [Fact]
        public async Task Untrusted_certificate_is_refused_with_C2TlsFailed_naming_the_host()
        {
            await using var sim = await StartSimAsync(o => o.UseTls = true);
            Assert.Equal("wss", sim.Uri.Scheme);
            using var sh = new PsShell();
            var r = sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -TimeoutSec 10 -MaxReconnectAttempts 0", sim.Uri, Key);
            var rec = r.AllErrors.FirstOrDefault();
            Assert.NotNull(rec);
            Assert.Equal("C2TlsFailed,C2WebSocket.Commands.ConnectC2SocketCommand", rec!.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, rec.CategoryInfo.Category);
            var text = rec.ErrorDetails?.Message ?? rec.Exception.Message;
            Assert.Contains("127.0.0.1", text);
            Assert.Contains("certificate", text);
            Assert.DoesNotContain(Key, rec.Exception.ToString());
            Assert.Equal(0, sim.Stats.ConnectionsAccepted);

            // Test-C2Connection reports the same failure as an object.
            r = sh.Run("Test-C2Connection -Uri $args[0] -ApiKey $args[1] -TimeoutSec 10", sim.Uri, Key);
            r.ThrowIfFailed();
            var result = (C2ConnectionTestResult)r.Output.Single().BaseObject;
            Assert.False(result.Authenticated);
            Assert.Equal("C2TlsFailed", result.ErrorId);
            Assert.Equal("Tls", result.FailedStep);
        }

        [Fact]
        public void The_module_never_installs_a_certificate_validation_callback()
        {
            var src = Path.Combine(Repo.Root, "src", "C2WebSocket");
            var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
                .Where(f =>
                {
                    var t = File.ReadAllText(f);
                    return t.Contains("RemoteCertificateValidationCallback") || t.Contains("ServerCertificateCustomValidationCallback") ||
                           t.Contains("ServerCertificateValidationCallback") || t.Contains("DangerousAcceptAnyServerCertificateValidator");
                }).ToList();
            Assert.Empty(offenders);
        }

        [Theory]
        [InlineData("ws://192.0.2.10:9/ws", "192.0.2.10")]
        [InlineData("ws://api4-general.collective2.com/ws", "api4-general.collective2.com")]
        [InlineData("ws://127.0.0.1.nip.io/ws", "127.0.0.1.nip.io")]
        public void Key_is_refused_over_ws_to_a_host_that_is_not_loopback(string uri, string host)
        {
            using var sh = new PsShell();
            foreach (var cmd in new[] { "Connect-C2Socket", "Test-C2Connection" })
            {
                var r = sh.Run(cmd + " -Uri $args[0] -ApiKey $args[1] -TimeoutSec 1", uri, Key);
                var rec = r.AllErrors.FirstOrDefault();
                Assert.NotNull(rec);
                Assert.StartsWith("C2UnencryptedAuthentication,", rec!.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.SecurityError, rec.CategoryInfo.Category);
                Assert.Contains(host, rec.ErrorDetails.Message);
                Assert.Contains("-AllowUnencryptedAuthentication", rec.ErrorDetails.Message);
                Assert.Contains("wss://", rec.ErrorDetails.Message);
            }
        }

        [Fact]
        public async Task AllowUnencryptedAuthentication_lets_ws_through_to_the_network()
        {
            // The attempt to a remote ws:// host goes through a "proxy" on loopback that accepts and never answers, so it
            // is made (the switch let it through) without a packet leaving the machine.
            var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            try
            {
                var accepted = silent.AcceptTcpClientAsync();
                var proxy = "http://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port;
                using var sh = new PsShell();
                var r = sh.Run("Connect-C2Socket -Uri ws://192.0.2.10:9/ws -ApiKey $args[0] -TimeoutSec 1 -MaxReconnectAttempts 0 -AllowUnencryptedAuthentication -Proxy $args[1]", Key, proxy);
                var rec = r.AllErrors.FirstOrDefault();
                Assert.NotNull(rec);
                Assert.DoesNotContain("C2UnencryptedAuthentication", rec!.FullyQualifiedErrorId);
                Assert.Matches("^C2(ConnectTimeout|TcpFailed|ConnectFailed|ProxyFailed),", rec.FullyQualifiedErrorId);
                Assert.DoesNotContain(Key, rec.Exception.ToString());
                (await accepted.WaitAsync(TimeSpan.FromSeconds(10))).Dispose(); // the connection attempt reached the loopback proxy
            }
            finally { silent.Stop(); }
        }

        [Theory]
        [InlineData("ws://127.0.0.1:{0}/ws")]
        [InlineData("ws://localhost:{0}/ws")]
        public async Task Ws_to_loopback_needs_no_switch(string pattern)
        {
            await using var sim = await StartSimAsync();
            using var sh = new PsShell();
            var r = sh.Run("$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -NoProxy; $s.State; Disconnect-C2Socket $s",
                new Uri(string.Format(pattern, sim.Uri.Port)), Key);
            r.ThrowIfFailed();
            Assert.Equal("Connected", r.Output.Single().ToString());
        }

        [Fact]
        public async Task Proxy_carries_the_connection_and_the_signals()
        {
            await using var sim = await StartSimAsync();
            using var proxy = await TinyProxy.StartAsync(sim.Uri.Port);
            using var sh = new PsShell();
            var r = sh.Run("$global:s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -Proxy $args[2] -MaxReconnectAttempts 0; Add-C2Subscription -StrategyId 42 | Out-Null; $s.State",
                sim.Uri, Key, proxy.Uri);
            r.ThrowIfFailed();
            Assert.Equal("Connected", r.Output.Single().ToString());
            Assert.Equal(1, proxy.ConnectRequests(sim.Uri.Port));
            var seq = sim.PublishSignal(42);
            r = sh.Run("Receive-C2Signal -Count 1 -TimeoutSec 10 | ForEach-Object SeqId; Disconnect-C2Socket $s");
            r.ThrowIfFailed();
            Assert.Equal(seq, (long)r.Output.Single().BaseObject);
            Assert.DoesNotContain(Key, proxy.Log);

            // Test-C2Connection takes the same route.
            r = sh.Run("Test-C2Connection -Uri $args[0] -ApiKey $args[1] -Proxy $args[2]", sim.Uri, Key, proxy.Uri);
            r.ThrowIfFailed();
            Assert.True(((C2ConnectionTestResult)r.Output.Single().BaseObject).Authenticated);
            Assert.Equal(2, proxy.ConnectRequests(sim.Uri.Port));
        }

        [Fact]
        public async Task ProxyCredential_authenticates_to_the_proxy_and_its_absence_is_a_clear_error()
        {
            await using var sim = await StartSimAsync();
            using var proxy = await TinyProxy.StartAsync(sim.Uri.Port, "alice", "pr0xy-pass-W9");
            using var sh = new PsShell();

            var r = sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -Proxy $args[2] -MaxReconnectAttempts 0 -TimeoutSec 10", sim.Uri, Key, proxy.Uri);
            var rec = r.AllErrors.FirstOrDefault();
            Assert.NotNull(rec);
            Assert.StartsWith("C2ProxyFailed,", rec!.FullyQualifiedErrorId);
            Assert.Contains("407", rec.ErrorDetails.Message);
            Assert.Equal(0, sim.Stats.ConnectionsAccepted);

            var cred = new PSCredential("alice", Sim.Secure("pr0xy-pass-W9"));
            r = sh.Run(@"$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -Proxy $args[2] -ProxyCredential $args[3] -MaxReconnectAttempts 0
                         $s.State; Disconnect-C2Socket $s", sim.Uri, Key, proxy.Uri, cred);
            r.ThrowIfFailed();
            Assert.Equal("Connected", r.Output.Single().ToString());
            Assert.True(proxy.ConnectRequests(sim.Uri.Port) >= 2);
            Assert.Equal(1, sim.Stats.ConnectionsAccepted);
            Assert.DoesNotContain(Key, proxy.Log);
        }
    }

    [CollectionDefinition("Serial", DisableParallelization = true)]
    public sealed class SerialCollection { }

    /// <summary>Changes the process-wide default proxy, so it runs alone (collection "Serial").</summary>
    [Collection("Serial")]
    public class SystemProxyTests
    {
        [Fact]
        public async Task System_proxy_is_used_by_default_and_NoProxy_bypasses_it()
        {
            await using var sim = await TransportSafetyTests.StartSimAsync();
            using var proxy = await TinyProxy.StartAsync(sim.Uri.Port);
            var saved = HttpClient.DefaultProxy;
            try
            {
                HttpClient.DefaultProxy = new WebProxy(proxy.Uri) { BypassProxyOnLocal = false };
                using var sh = new PsShell();
                var r = sh.Run("$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -MaxReconnectAttempts 0; $s.State; Disconnect-C2Socket $s", sim.Uri, TransportSafetyTests.Key);
                r.ThrowIfFailed();
                Assert.Equal("Connected", r.Output.Single().ToString());
                Assert.Equal(1, proxy.ConnectRequests(sim.Uri.Port));

                r = sh.Run("$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -MaxReconnectAttempts 0 -NoProxy; $s.State; Disconnect-C2Socket $s", sim.Uri, TransportSafetyTests.Key);
                r.ThrowIfFailed();
                Assert.Equal("Connected", r.Output.Single().ToString());
                Assert.Equal(1, proxy.ConnectRequests(sim.Uri.Port));
                Assert.Equal(2, sim.Stats.ConnectionsAccepted);
            }
            finally
            {
                HttpClient.DefaultProxy = saved;
            }
        }
    }
}
