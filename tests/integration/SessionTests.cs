using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests
{
    public class SessionTests
    {
        [Fact]
        public async Task Connects_after_connection_connected_and_acks_every_heartbeat()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            Assert.Equal(C2SessionState.Connected, s.State);
            await sim.WaitForAsync(x => x.Stats.HeartbeatAcksReceived >= 10, Sim.Wait);
            Assert.Equal(0, sim.Stats.ConnectionsClosedForMissedAck);
            await Sim.UntilAsync(s, () => s.HeartbeatAcksSent >= 10, "the client counted its acks");
            Assert.Equal(0, s.Reconnects);
        }

        [Fact]
        public async Task Correlates_concurrent_subscriptions_by_request_id()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            var subs = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Sim.SubscribeAsync(s, 1000 + i)));
            Assert.All(subs, x => Assert.Equal(C2SubscriptionState.Active, x.State));
            var conn = sim.Connections.Single();
            var ids = sim.ReceivedClientMessages(conn.Id)
                .Select(j => JsonDocument.Parse(j).RootElement)
                .Where(e => e.GetProperty("msg_type").GetString() == "subscription.request")
                .Select(e => e.GetProperty("request_id").GetString()!).ToList();
            Assert.Equal(20, ids.Count);
            Assert.Equal(20, ids.Distinct().Count());
            Assert.All(ids, id => Assert.True(id.Length <= 50));
            Assert.Equal(20, conn.Subscriptions.Count);
        }

        [Fact]
        public async Task Attributes_an_error_without_request_id_to_the_oldest_request()
        {
            await using var sim = await Sim.StartFastAsync(o =>
            {
                o.EchoRequestIdOnError = false;
                o.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666);
            });
            using var s = await Sim.OpenAsync(sim);
            var ex = await Assert.ThrowsAsync<C2ServerErrorException>(() => Sim.SubscribeAsync(s, 666));
            Assert.Equal("FORBIDDEN", ex.Error.Code);
            Assert.Equal("StrategyId", ex.Error.Field);
            Assert.Contains("Not authorized", ex.Error.Message);
            Assert.DoesNotContain(s.Subscriptions, x => x.StrategyId == 666);
            // The session goes on working.
            var ok = await Sim.SubscribeAsync(s, 7);
            Assert.Equal(C2SubscriptionState.Active, ok.State);
        }

        [Fact]
        public async Task Bad_key_is_an_authentication_failure_with_the_servers_reason_and_no_key()
        {
            await using var sim = await Sim.StartFastAsync();
            const string badKey = "not-the-key-SECRET-123";
            var s = new C2Session(Sim.Options(sim, o => o.ApiKey = Sim.Secure(badKey)));
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => s.OpenAsync(CancellationToken.None));
            Assert.True(ex.IsAuthenticationFailure);
            Assert.Equal("C2AuthenticationFailed", C2WebSocket.Commands.C2ErrorTable.IdFor(ex.Failure));
            Assert.Equal(401, ex.StatusCode);
            Assert.Equal("Invalid API key", ex.ServerReason);
            Assert.Contains("Invalid API key", ex.Message);
            Assert.DoesNotContain(badKey, ex.ToString());
            Assert.Equal(C2SessionState.Failed, s.State);
        }

        [Theory]
        [InlineData(429, "C2RateLimited")]
        [InlineData(503, "C2ServiceUnavailable")]
        public async Task Throttling_statuses_say_what_they_mean(int status, string errorId)
        {
            await using var sim = await Sim.StartFastAsync();
            sim.RejectNextHandshakes(1, status, TimeSpan.FromSeconds(7));
            var s = new C2Session(Sim.Options(sim));
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => s.OpenAsync(CancellationToken.None));
            Assert.Equal(errorId, C2WebSocket.Commands.C2ErrorTable.IdFor(ex.Failure));
            Assert.Equal(status, ex.StatusCode);
            Assert.True(ex.IsThrottle);
            Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
            Assert.False(string.IsNullOrEmpty(ex.ServerReason));
            Assert.Contains(ex.ServerReason!, ex.Message);
        }

        [Fact]
        public async Task Per_key_connection_limit_is_a_429()
        {
            await using var sim = await Sim.StartFastAsync(o => o.MaxConnectionsPerKey = 2);
            using var a = await Sim.OpenAsync(sim);
            using var b = await Sim.OpenAsync(sim);
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => Sim.OpenAsync(sim));
            Assert.Equal("C2RateLimited", C2WebSocket.Commands.C2ErrorTable.IdFor(ex.Failure));
            Assert.Contains("10 open connections", ex.Message);
        }

        [Fact]
        public void Debug_and_verbose_lines_never_push_out_a_warning_or_an_error_and_come_out_in_order()
        {
            var sink = new DiagnosticSink(TimeProvider.System);
            sink.Verbose("first");
            sink.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.ServerError, "the error");
            // Hours of debug lines nobody drains (20 a second for 10 minutes and more).
            for (var i = 0; i < 30_000; i++) sink.Debug("line " + i);
            sink.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Info, "the warning");
            sink.Verbose("last");
            var drained = sink.Drain().ToList();
            Assert.Equal(0, sink.Dropped);
            Assert.Equal("the error", drained[0].Message);   // "first" was the oldest chatter and went
            Assert.Contains(drained, d => d.Message == "the warning");
            Assert.Equal("last", drained[drained.Count - 1].Message);
            Assert.Equal("the warning", drained[drained.Count - 2].Message);
            Assert.InRange(drained.Count(d => d.Level <= C2DiagnosticLevel.Verbose), 1, 5000);
            // The chatter that stayed is the newest, in order.
            var lines = drained.Where(d => d.Message.StartsWith("line ", StringComparison.Ordinal)).Select(d => int.Parse(d.Message.Substring(5), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(29_999, lines[lines.Count - 1]);
            Assert.Equal(lines.OrderBy(x => x), lines);
            Assert.Empty(sink.Drain());
        }

        /// <summary>
        /// A name that does not resolve, without resolving one: this machine's resolver asks a DNS server that is not on
        /// loopback, and tests send nothing beyond it. So the failure .NET raises (a SocketException inside the
        /// WebSocketException) goes through the transport's mapping and the error table.
        /// </summary>
        [Theory]
        [InlineData(SocketError.HostNotFound, "C2DnsFailed", C2ConnectStep.Dns)]
        [InlineData(SocketError.TryAgain, "C2DnsFailed", C2ConnectStep.Dns)]
        [InlineData(SocketError.NoData, "C2DnsFailed", C2ConnectStep.Dns)]
        [InlineData(SocketError.ConnectionRefused, "C2TcpFailed", C2ConnectStep.Tcp)]
        [InlineData(SocketError.TimedOut, "C2TcpFailed", C2ConnectStep.Tcp)]
        public void Dns_and_tcp_failures_are_connection_errors_that_name_the_step_and_the_host(SocketError error, string errorId, C2ConnectStep step)
        {
            var uri = new Uri("wss://c2-no-such-host.invalid/ws");
            using var ws = new System.Net.WebSockets.ClientWebSocket();
            var thrown = new System.Net.WebSockets.WebSocketException("Unable to connect to the remote server",
                new System.Net.Http.HttpRequestException("Name or service not known (c2-no-such-host.invalid:443)", new SocketException((int)error)));
            var mapped = ConnectFailures.Map(ws, uri, thrown, DateTimeOffset.UtcNow);
            Assert.Equal(step, mapped.Step);
            var record = C2WebSocket.Commands.C2ErrorTable.Record(mapped);
            Assert.StartsWith(errorId + ",", record.FullyQualifiedErrorId + ",");
            // Not ObjectNotFound: nothing the user asked for is missing; the network path failed.
            Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, record.CategoryInfo.Category);
            Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, C2WebSocket.Commands.C2ErrorTable.Get(errorId).Category);
            Assert.Contains("c2-no-such-host.invalid", record.ErrorDetails.Message);
            Assert.False(string.IsNullOrEmpty(record.ErrorDetails.RecommendedAction));
        }

        [Fact]
        public async Task Tcp_and_timeout_failures_name_the_step_and_the_uri()
        {
            var port = FreePort();
            var tcp = new C2Session(new C2SessionOptions { Uri = new Uri("ws://127.0.0.1:" + port + "/ws"), ApiKey = Sim.Secure("k"), ConnectTimeout = TimeSpan.FromSeconds(10) });
            var e2 = await Assert.ThrowsAsync<C2ConnectException>(() => tcp.OpenAsync(CancellationToken.None));
            Assert.Equal(C2ConnectStep.Tcp, e2.Step);
            Assert.Contains("127.0.0.1:" + port, e2.Message);

            // A server that accepts TCP and never answers the upgrade.
            var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            try
            {
                var uri = new Uri("ws://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port + "/ws");
                var slow = new C2Session(new C2SessionOptions { Uri = uri, ApiKey = Sim.Secure("k"), ConnectTimeout = TimeSpan.FromMilliseconds(500) });
                var e3 = await Assert.ThrowsAsync<C2ConnectException>(() => slow.OpenAsync(CancellationToken.None));
                Assert.Equal(C2ConnectStep.Timeout, e3.Step);
                Assert.Equal("C2ConnectTimeout", C2WebSocket.Commands.C2ErrorTable.IdFor(e3.Failure));
                Assert.Contains(uri.ToString(), e3.Message);
            }
            finally { silent.Stop(); }
        }

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        [Fact]
        public async Task Limits_are_refused_client_side_before_sending()
        {
            await using var sim = await Sim.StartFastAsync(o => o.MaxSubscriptionsPerConnection = 1000);
            using var s = await Sim.OpenAsync(sim);
            await Task.WhenAll(Enumerable.Range(1, 100).Select(i => Sim.SubscribeAsync(s, i)));
            var before = sim.Stats.SubscriptionRequests;
            var ex = await Assert.ThrowsAsync<C2LimitException>(() => Sim.SubscribeAsync(s, 101));
            Assert.Equal("C2SubscriptionLimit", ex.ErrorId);
            Assert.Contains("100", ex.Message);
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Sim.SubscribeAsync(s, 0));
            await Assert.ThrowsAsync<ArgumentException>(() => Sim.SubscribeAsync(s, 5, "strategy.news"));
            Assert.Equal(before, sim.Stats.SubscriptionRequests);
        }

        [Fact]
        public async Task Corrects_timestamps_for_a_skewed_local_clock()
        {
            // The server's clock is 5 minutes ahead of ours: uncorrected, every request would be INVALID_PARAMETER.
            await using var sim = await Sim.StartFastAsync(o => o.ServerClockOffset = TimeSpan.FromMinutes(5));
            using var s = await Sim.OpenAsync(sim);
            Assert.InRange(s.ClockOffset.TotalSeconds, 290, 310);
            var sub = await Sim.SubscribeAsync(s, 42);
            Assert.Equal(C2SubscriptionState.Active, sub.State);
            Assert.InRange(sim.Stats.LastClientTimestampSkew!.Value.TotalSeconds, -5, 5);
        }

        [Fact]
        public async Task One_junk_server_timestamp_does_not_move_the_clock_correction()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            sim.StopHeartbeats(); // only the junk heartbeat is answered from here on
            var acks = sim.Stats.HeartbeatAcksReceived;
            sim.PublishRawToAll("{\"msg_type\":\"heartbeat\",\"timestamp\":\"1999-01-01T00:00:00Z\",\"v\":4}");
            await sim.WaitForAsync(x => x.Stats.HeartbeatAcksReceived == acks + 1, Sim.Wait);
            Assert.Equal(TimeSpan.Zero, s.ClockOffset);
            Assert.InRange(sim.Stats.LastClientTimestampSkew!.Value.TotalSeconds, -5, 5); // the ack itself was stamped right
            sim.StartHeartbeats();
            // The requests still carry a good timestamp.
            Assert.Equal(C2SubscriptionState.Active, (await Sim.SubscribeAsync(s, 3)).State);
            Assert.InRange(sim.Stats.LastClientTimestampSkew!.Value.TotalSeconds, -5, 5);
        }

        [Fact]
        public async Task Warns_once_when_the_protocol_version_is_not_4()
        {
            await using var sim = await Sim.StartFastAsync(o => o.ProtocolVersion = 5);
            using var s = await Sim.OpenAsync(sim);
            await sim.WaitForAsync(x => x.Stats.HeartbeatAcksReceived >= 3, Sim.Wait);
            var warnings = s.DrainDiagnostics().Where(d => d.Level == C2DiagnosticLevel.Warning && d.Message.Contains("version 5")).ToList();
            Assert.Single(warnings);
            Assert.Equal(5, s.ServerVersion);
        }

        [Fact]
        public async Task Ignores_unknown_types_and_fields_and_keeps_delivering()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 9);
            sim.PublishRawToAll("{\"msg_type\":\"strategy.hologram\",\"v\":4,\"payload\":{}}");
            sim.PublishRawToAll("{\"msg_type\":\"connection.disconnected\",\"v\":4}");
            sim.PublishSignal(9, new { strategy_id = 9, symbol = "ESZ6", brand_new_field = new[] { 1, 2 } });
            var m = await Sim.NextAsync(s);
            Assert.Equal(9, m.StrategyId);
            Assert.Equal("ESZ6", m.Fields["symbol"]);
            Assert.True(s.UnknownMessages >= 1);
        }

        [Fact]
        public async Task Delivers_signals_and_positions_with_typed_envelope_fields()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(s, 12345678);
            await Sim.SubscribeAsync(s, 12345678, "strategy.positions");
            var seq = sim.PublishSignal(12345678);
            var sig = Assert.IsType<C2Signal>(await Sim.NextAsync(s));
            Assert.Equal(seq, sig.SeqId);
            Assert.Equal("strategy.signal", sig.Channel);
            Assert.Equal(12345678, sig.StrategyId);
            Assert.StartsWith("msg_", sig.Id);
            Assert.NotNull(sig.Timestamp);
            Assert.Contains("\"strategy.signal\"", sig.RawJson);
            sim.PublishPosition(12345678);
            var pos = Assert.IsType<C2PositionUpdate>(await Sim.NextAsync(s));
            Assert.Equal("strategy.positions", pos.Channel);
        }

        [Fact]
        public async Task Unsubscribe_stops_delivery_and_late_messages_are_dropped()
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            var a = await Sim.SubscribeAsync(s, 1);
            await Sim.SubscribeAsync(s, 2);
            Assert.True((await s.UnsubscribeAsync(a, TimeSpan.FromSeconds(5), CancellationToken.None)).Answered);
            Assert.Equal(C2SubscriptionState.Removed, a.State);
            sim.PublishSignal(1);
            sim.PublishSignal(2);
            var m = await Sim.NextAsync(s);
            Assert.Equal(2, m.StrategyId);
            await Assert.ThrowsAsync<TimeoutException>(() => Sim.NextItemAsync(s, TimeSpan.FromMilliseconds(300)));
        }
    }
}
