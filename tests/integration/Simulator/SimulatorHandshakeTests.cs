using System;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

public class SimulatorHandshakeTests
{
    private static async Task<ClientWebSocket> FailingConnectAsync(C2Simulator sim, string? key)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (key is not null) ws.Options.SetRequestHeader("Authorization", "Bearer " + key);
        using var cts = new CancellationTokenSource(RawClient.Timeout);
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(sim.Uri, cts.Token));
        return ws;
    }

    private static string Header(ClientWebSocket ws, string name) =>
        ws.HttpResponseHeaders!.TryGetValue(name, out var v) ? string.Join(",", v) : "";

    [Fact]
    public async Task MissingOrUnknownKey_Returns401_WithXWsError()
    {
        await using var sim = await C2Simulator.StartAsync();
        using var none = await FailingConnectAsync(sim, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.HttpStatusCode);
        Assert.Equal("Invalid API key", Header(none, "X-WS-Error"));
        using var bad = await FailingConnectAsync(sim, "wrong-key");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.HttpStatusCode);
        Assert.Equal(2, sim.Stats.HandshakesRejected);
        Assert.Equal(0, sim.Stats.ConnectionsAccepted);
    }

    [Fact]
    public async Task RejectedHandshake_HasJsonBody()
    {
        await using var sim = await C2Simulator.StartAsync();
        using var http = new System.Net.Http.HttpClient();
        var req = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Get, new Uri(sim.HttpUri, "ws"));
        req.Headers.Add("Connection", "Upgrade");
        req.Headers.Add("Upgrade", "websocket");
        req.Headers.Add("Sec-WebSocket-Version", "13");
        req.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        req.Headers.Add("Authorization", "Bearer nope");
        using var resp = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        Assert.Equal("{\"code\":\"UNAUTHORIZED\",\"message\":\"Invalid API key\"}", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PerKeyLimit_Returns429_AndTotalCap_Returns503()
    {
        var opts = new SimulatorOptions { MaxConnectionsPerKey = 1, MaxConnectionsTotal = 2 };
        opts.ApiKeys["second-key"] = new SimulatorKey();
        opts.ApiKeys["third-key"] = new SimulatorKey();
        await using var sim = await C2Simulator.StartAsync(opts);
        await using var a = await RawClient.ConnectAsync(sim);
        using var over = await FailingConnectAsync(sim, sim.DemoApiKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.HttpStatusCode);
        Assert.Equal("Connection limit exceeded for this API key", Header(over, "X-WS-Error"));

        await using var b = await RawClient.ConnectAsync(sim, "second-key");
        using var full = await FailingConnectAsync(sim, "third-key");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.HttpStatusCode);
        Assert.False(string.IsNullOrEmpty(Header(full, "X-WS-Error")));
        Assert.Equal(2, sim.Connections.Count);
        Assert.Equal(2, sim.Connections.Select(c => c.ApiKeyHash).Distinct().Count());
        Assert.DoesNotContain(sim.Connections, c => c.ApiKeyHash.Contains("key"));
    }

    [Fact]
    public async Task QueuedRejections_ComeFirst_WithRetryAfter_ThenConnects()
    {
        await using var sim = await C2Simulator.StartAsync();
        sim.RejectNextHandshakes(1, 503, TimeSpan.FromSeconds(7));
        sim.RejectNextHandshakes(1, 429);
        using var first = await FailingConnectAsync(sim, sim.DemoApiKey);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.HttpStatusCode);
        Assert.Equal("7", Header(first, "Retry-After"));
        using var second = await FailingConnectAsync(sim, sim.DemoApiKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.HttpStatusCode);
        Assert.Equal("", Header(second, "Retry-After"));
        await using var ok = await RawClient.ConnectAsync(sim);
        Assert.Equal(1, sim.Stats.ConnectionsAccepted);
    }

    [Fact]
    public async Task ConnectionConnected_IsFirstMessage_WithEnvelope()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { ServerClockOffset = TimeSpan.FromHours(-2) });
        await using var c = await RawClient.ConnectAsync(sim, awaitConnected: false);
        var m = await c.ReceiveAsync();
        Assert.Equal("connection.connected", m.Type());
        Assert.Matches(new Regex("^msg_[0-9a-f]{28}$"), m.Str("id"));
        Assert.Equal(4, m.GetProperty("v").GetInt32());
        Assert.False(m.TryGetProperty("payload", out _));
        Assert.False(m.TryGetProperty("seq_id", out _));
        var ts = m.Str("timestamp")!;
        Assert.EndsWith("Z", ts);
        var parsed = DateTimeOffset.Parse(ts, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((parsed - (DateTimeOffset.UtcNow - TimeSpan.FromHours(2))).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PolicyViolationOnNextHandshake_ClosesWith1008_NoMessage()
    {
        await using var sim = await C2Simulator.StartAsync();
        sim.PolicyViolationOnNextHandshakes(1);
        await using var c = await RawClient.ConnectAsync(sim, awaitConnected: false);
        await c.Closed.WaitAsync(RawClient.Timeout);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, c.Socket.CloseStatus);
        Assert.False(c.TryReceive(out _));
        await using var next = await RawClient.ConnectAsync(sim);
        Assert.Equal(1, sim.Stats.PolicyViolationCloses);
    }

    [Fact]
    public async Task Tls_HandshakeWorks_WhenClientTrustsCertificate()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { UseTls = true });
        Assert.Equal("wss", sim.Uri.Scheme);
        Assert.NotNull(sim.Certificate);
        bool validated = false;
        await using var c = await RawClient.ConnectAsync(sim, configure: o => o.RemoteCertificateValidationCallback =
            (_, cert, _, _) => validated = cert is not null && cert.GetCertHashString() == sim.Certificate!.GetCertHashString());
        Assert.True(validated);
        await c.SubscribeAsync(5, requestId: "tls");
        Assert.Equal("subscription.ack", (await c.ReceiveNonHeartbeatAsync()).Type());
    }

    [Fact]
    public async Task RestartAsync_KeepsPortAndHistory()
    {
        await using var sim = await C2Simulator.StartAsync();
        var uri = sim.Uri;
        sim.PublishSignals(42, 5);
        var c = await RawClient.ConnectAsync(sim);
        await sim.RestartAsync();
        await c.Closed.WaitAsync(RawClient.Timeout);
        await c.DisposeAsync();
        Assert.Equal(uri, sim.Uri);
        Assert.Equal(5, sim.LastSeq("strategy.signal", 42));
        await using var c2 = await RawClient.ConnectAsync(sim);
        await c2.SubscribeAsync(42, resumeFrom: "2");
        Assert.Equal("subscription.ack", (await c2.ReceiveAsync()).Type());
        for (long s = 3; s <= 5; s++) Assert.Equal(s, (await c2.ReceiveAsync()).Seq());
        Assert.Equal(6, sim.PublishSignal(42));
        Assert.Equal(6, (await c2.ReceiveAsync()).Seq());
    }

    [Fact]
    public async Task MultipleSimulators_RunSideBySide()
    {
        await using var a = await C2Simulator.StartAsync();
        await using var b = await C2Simulator.StartAsync();
        Assert.NotEqual(a.Uri.Port, b.Uri.Port);
        a.PublishSignal(1);
        Assert.Equal(1, a.LastSeq("strategy.signal", 1));
        Assert.Equal(0, b.LastSeq("strategy.signal", 1));
    }
}
