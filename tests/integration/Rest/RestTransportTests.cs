using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Commands;
using C2WebSocket.Rest;
using C2WebSocket.Tests.Hostile;
using Xunit;

namespace C2WebSocket.Tests.Rest
{
    /// <summary>The REST client's transport rules in the hosted engine: the session's proxy (a real tinyproxy), TLS
    /// validation that is never turned off, and every failure with an ErrorId of the one error table.</summary>
    public class RestTransportTests
    {
        [Fact]
        public async Task The_sessions_proxy_carries_the_REST_requests_and_so_do_the_connection_parameters()
        {
            await using var sim = await TransportSafetyTests.StartSimAsync();
            sim.PublishSignals(42, 3);
            using var proxy = await TinyProxy.StartAsync(sim.Uri.Port);
            using var sh = new PsShell();
            var r = sh.Run("$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -Proxy $args[2] -MaxReconnectAttempts 0; (Get-C2StrategyHistory -StrategyId 42 -Session $s).SignalId; Disconnect-C2Socket $s",
                sim.Uri, TransportSafetyTests.Key, proxy.Uri);
            r.ThrowIfFailed();
            Assert.Equal(3, r.Output.Count);
            var requests = System.Text.RegularExpressions.Regex.Matches(proxy.Log, @"GET http://127\.0\.0\.1:" + sim.Uri.Port + "/Strategies/GetStrategyHistoricalOrders").Count;
            Assert.Equal(1, requests);

            r = sh.Run("@(Get-C2ActiveOrder -StrategyId 42 -Uri $args[0] -ApiKey $args[1] -Proxy $args[2]).Count", sim.Uri, TransportSafetyTests.Key, proxy.Uri);
            r.ThrowIfFailed();
            Assert.Contains("/Strategies/GetStrategyActiveOrders", proxy.Log);
            r = sh.Run("@(Get-C2ActiveOrder -StrategyId 42 -Uri $args[0] -ApiKey $args[1] -NoProxy).Count", sim.Uri, TransportSafetyTests.Key);
            r.ThrowIfFailed();
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(proxy.Log, "GetStrategyActiveOrders")); // -NoProxy went direct
            Assert.DoesNotContain(TransportSafetyTests.Key, proxy.Log);
        }

        [Fact]
        public async Task An_untrusted_certificate_fails_the_TLS_handshake_as_a_security_error()
        {
            await using var sim = await TransportSafetyTests.StartSimAsync(o => o.UseTls = true);
            using var client = new C2RestClient(new RestSettings { BaseUri = sim.RestUri, ApiKey = Sim.Secure(TransportSafetyTests.Key), UseDefaultProxy = false });
            Assert.Equal("https", sim.RestUri.Scheme);
            var ex = await Assert.ThrowsAsync<C2RestException>(() => client.GetAsync(RestEndpoints.ActiveOrders, new[] { new KeyValuePair<string, string>("StrategyId", "1") }, 1, null, CancellationToken.None));
            Assert.Equal(C2RestFailure.ConnectFailed, ex.Failure);
            Assert.True(ex.IsTlsFailure);
            Assert.Contains("certificate validation is never turned off", ex.Message);
            var record = C2ErrorTable.Record(ex, 1L);
            Assert.Equal("C2RestConnectFailed", record.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, record.CategoryInfo.Category);
            Assert.Equal(0, sim.Rest.RequestCount);
        }

        [Fact]
        public void Every_REST_failure_has_its_ErrorId_in_the_one_error_table()
        {
            var ids = C2ErrorTable.All.Select(e => e.ErrorId).ToHashSet();
            foreach (C2RestFailure f in Enum.GetValues(typeof(C2RestFailure)))
            {
                var ex = new C2RestException(f, "GetStrategyHistoricalOrders", new Uri("https://c2.example/"), "x");
                var record = C2ErrorTable.Record(ex, 7L);
                Assert.Contains(record.FullyQualifiedErrorId, ids);
                Assert.Equal(7L, record.TargetObject);
            }
            Assert.Equal("C2AuthenticationFailed", C2ErrorTable.IdFor(C2RestFailure.AuthenticationFailed));
        }
    }
}
