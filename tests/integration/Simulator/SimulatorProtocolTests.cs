using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

public class SimulatorProtocolTests
{
    private static readonly TimeSpan T = RawClient.Timeout;

    private static SimulatorOptions FastHeartbeats() => new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatGrace = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task Heartbeats_Every100ms_AckedConnectionStaysOpen()
    {
        var opts = FastHeartbeats();
        opts.HeartbeatGrace = TimeSpan.FromMilliseconds(400); // generous: the test host may be busy
        await using var sim = await C2Simulator.StartAsync(opts);
        await using var c = await RawClient.ConnectAsync(sim, autoAck: true);
        await sim.WaitForAsync(s => s.Stats.HeartbeatAcksReceived >= 5, T);
        Assert.Equal(WebSocketState.Open, c.Socket.State);
        Assert.Equal(0, sim.Stats.ConnectionsClosedForMissedAck);
        Assert.True(sim.Stats.HeartbeatsSent >= 5);
        Assert.NotNull(sim.Connections.Single().LastAckAt);
        Assert.Contains(sim.ReceivedClientMessages(sim.Connections.Single().Id), m => m.Contains("heartbeat.ack"));
    }

    [Fact]
    public async Task Heartbeat_Envelope_AndMissedAcks_CloseConnection()
    {
        await using var sim = await C2Simulator.StartAsync(FastHeartbeats());
        await using var c = await RawClient.ConnectAsync(sim);
        var hb = await c.ReceiveAsync();
        Assert.Equal("heartbeat", hb.Type());
        Assert.Equal(4, hb.GetProperty("v").GetInt32());
        Assert.False(hb.TryGetProperty("seq_id", out _));
        await c.Closed.WaitAsync(T);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, c.Socket.CloseStatus);
        Assert.Equal("heartbeat timeout", c.Socket.CloseStatusDescription);
        await sim.WaitForAsync(s => s.Stats.ConnectionsClosedForMissedAck == 1 && s.Connections.Count == 0, T);
    }

    [Fact]
    public async Task Subscribe_AckEchoesRequestId_ThenLiveSignals()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(12345678, requestId: "my-sub-001");
        var ack = await c.ReceiveAsync();
        Assert.Equal("subscription.ack", ack.Type());
        Assert.Equal("my-sub-001", ack.Str("request_id"));
        Assert.Equal("subscribe", ack.P().Str("action"));
        Assert.Equal("strategy.signal", ack.P().Str("channel"));
        Assert.Equal(12345678, ack.P().GetProperty("strategy_id").GetInt64());
        Assert.Single(sim.Connections.Single().Subscriptions);

        Assert.Equal(1, sim.PublishSignal(12345678));
        Assert.Equal(2, sim.PublishSignal(12345678, new { symbol = "ESZ6", side = "buy" }));
        Assert.Equal(3, sim.PublishSignal(12345678, "{\"raw\":true}"));
        sim.PublishSignal(999); // other strategy: not delivered
        var s1 = await c.ReceiveAsync();
        Assert.Equal("strategy.signal", s1.Type());
        Assert.Equal(1, s1.Seq());
        Assert.Equal(12345678, s1.P().GetProperty("strategy_id").GetInt64());
        Assert.False(string.IsNullOrEmpty(s1.P().Str("symbol")));
        Assert.Contains(s1.P().Str("side"), new[] { "buy", "sell" });
        var s2 = await c.ReceiveAsync();
        Assert.Equal("buy", s2.P().Str("side"));
        Assert.True((await c.ReceiveAsync()).P().GetProperty("raw").GetBoolean());
        var raw = c.RawFrames.First(f => f.Contains("\"seq_id\":1,"));
        Assert.InRange(raw.Length, 300, 600); // ~SyntheticPayloadBytes

        // positions stream has its own seq
        await c.SubscribeAsync(12345678, channel: "strategy.positions", requestId: "pos");
        Assert.Equal("pos", (await c.ReceiveAsync()).Str("request_id"));
        Assert.Equal(1, sim.PublishPosition(12345678));
        var pos = await c.ReceiveAsync();
        Assert.Equal("strategy.positions", pos.Type());
        Assert.Equal(1, pos.Seq());
        Assert.True(pos.P().TryGetProperty("avg_price", out _));

        // duplicate subscribe: acked again, no double delivery
        await c.SubscribeAsync(12345678, requestId: "dup");
        Assert.Equal("dup", (await c.ReceiveAsync()).Str("request_id"));
        sim.PublishSignal(12345678);
        Assert.Equal(4, (await c.ReceiveAsync()).Seq());
        // unsubscribe: acked, then nothing more
        await c.SubscribeAsync(12345678, action: "unsubscribe", requestId: "unsub");
        var uack = await c.ReceiveAsync();
        Assert.Equal("unsubscribe", uack.P().Str("action"));
        sim.PublishSignal(12345678);
        sim.PublishPosition(12345678);
        Assert.Equal(2, (await c.ReceiveAsync()).Seq()); // positions still subscribed
        Assert.False(c.TryReceive(out _));
        Assert.Equal(1, sim.Stats.Unsubscribes);
    }

    [Fact]
    public async Task ForbiddenStrategy_ReturnsForbiddenError()
    {
        var opts = new SimulatorOptions();
        opts.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666);
        await using var sim = await C2Simulator.StartAsync(opts);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(666, requestId: "r1");
        var e = await c.ReceiveAsync();
        Assert.Equal("error", e.Type());
        Assert.Equal("r1", e.Str("request_id"));
        Assert.Equal("FORBIDDEN", e.P().Str("code"));
        Assert.Equal("StrategyId", e.P().Str("field"));
        Assert.Equal("Not authorized to subscribe to Strategy", e.P().Str("message"));
        Assert.Empty(sim.Connections.Single().Subscriptions);

        sim.Options.EchoRequestIdOnError = false;
        await c.SubscribeAsync(666, requestId: "r2");
        Assert.Null((await c.ReceiveAsync()).Str("request_id"));
    }

    [Fact]
    public async Task BadTimestamp_InvalidParameter_AndServerClockOffsetIsHonoured()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(1, requestId: "late", clockOffset: TimeSpan.FromMinutes(-3));
        var e = await c.ReceiveAsync();
        Assert.Equal("INVALID_PARAMETER", e.P().Str("code"));
        Assert.Equal("Timestamp", e.P().Str("field"));
        Assert.InRange(sim.Stats.LastClientTimestampSkew!.Value.TotalMinutes, -3.1, -2.9);

        await c.SendAsync(new { msg_type = "subscription.request", payload = new { action = "subscribe", channel = "strategy.signal", strategy_id = 1 } });
        Assert.Equal("Timestamp", (await c.ReceiveAsync()).P().Str("field"));

        sim.Options.ServerClockOffset = TimeSpan.FromMinutes(5);
        await c.SubscribeAsync(1, requestId: "local-clock");
        Assert.Equal("error", (await c.ReceiveAsync()).Type());
        await c.SubscribeAsync(1, requestId: "corrected", clockOffset: TimeSpan.FromMinutes(5));
        var ack = await c.ReceiveAsync();
        Assert.Equal("subscription.ack", ack.Type());
        Assert.Equal("corrected", ack.Str("request_id"));
    }

    [Fact]
    public async Task ValidationErrors_SingleAndArrayForms()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { MaxSubscriptionsPerConnection = 2 });
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(1, requestId: new string('x', 51));
        Assert.Equal("RequestId", (await c.ReceiveAsync()).P().Str("field"));

        await c.SendAsync(new { msg_type = "subscription.request", request_id = "multi", timestamp = RawClient.Now(),
            payload = new { action = "subscribe", channel = "strategy.orders", strategy_id = -5 } });
        var e = await c.ReceiveAsync();
        Assert.Equal("multi", e.Str("request_id"));
        var errs = e.P().GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(new[] { "Channel", "StrategyId" }, errs.Select(x => x.Str("field")).ToArray());
        Assert.All(errs, x => Assert.Equal("INVALID_PARAMETER", x.Str("code")));

        await c.SendAsync(new { msg_type = "subscription.request", timestamp = RawClient.Now(),
            payload = new { action = "watch", channel = "strategy.signal", strategy_id = 5 } });
        Assert.Equal("Action", (await c.ReceiveAsync()).P().Str("field"));

        // subscription limit
        await c.SubscribeAsync(1); await c.SubscribeAsync(2); await c.SubscribeAsync(3, requestId: "third");
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        var lim = await c.ReceiveAsync();
        Assert.Equal("SUBSCRIPTION_LIMIT", lim.P().Str("code"));
        Assert.Equal("third", lim.Str("request_id"));
        await c.SubscribeAsync(2, requestId: "again"); // duplicates do not count
        Assert.Equal("again", (await c.ReceiveAsync()).Str("request_id"));
    }

    [Fact]
    public async Task MalformedJson_UnknownType_Binary_GetErrors_AndConnectionSurvives()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SendAsync("{not json");
        Assert.Equal("INVALID_PARAMETER", (await c.ReceiveAsync()).P().Str("code"));
        await c.SendAsync(new { msg_type = "bogus.type", request_id = "b1", timestamp = RawClient.Now() });
        var e = await c.ReceiveAsync();
        Assert.Equal("MsgType", e.P().Str("field"));
        Assert.Equal("b1", e.Str("request_id"));
        await c.SendAsync("[1,2,3]");
        Assert.Equal("error", (await c.ReceiveAsync()).Type());
        await c.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, default);
        Assert.Equal("error", (await c.ReceiveAsync()).Type());
        await c.SubscribeAsync(7, requestId: "ok");
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        Assert.Equal(4, sim.Stats.InvalidClientMessages);
        Assert.Equal(1, sim.Stats.ClientMessagesByType["bogus.type"]);
        Assert.Equal(5, sim.ReceivedClientMessages(sim.Connections.Single().Id).Count);
    }

    [Fact]
    public async Task ResumeFrom_ReplaysThenGapThenLive()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { ReplayLimit = 10 });
        sim.PublishSignals(12345678, 25);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(12345678, requestId: "resume", resumeFrom: 3);
        var ack = await c.ReceiveAsync();
        Assert.Equal("subscription.ack", ack.Type());
        Assert.Equal("resume", ack.Str("request_id"));
        for (long s = 4; s <= 13; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        var gap = await c.ReceiveAsync();
        Assert.Equal("gap", gap.Type());
        Assert.Equal(JsonValueKind.Null, gap.P().GetProperty("strategy_id").ValueKind);
        Assert.Equal("strategy.signal:12345678", gap.P().Str("channel"));
        Assert.Equal("3", gap.P().Str("from"));
        Assert.Equal("Replay limit of 10 messages exceeded", gap.P().Str("message"));
        Assert.Equal(26, sim.PublishSignal(12345678));
        Assert.Equal(26, (await c.ReceiveAsync()).Seq());
        Assert.Equal(1, sim.Stats.GapsSent);

        // replayed bytes are identical to the original live message
        await using var c2 = await RawClient.ConnectAsync(sim);
        await c2.SubscribeAsync(12345678, resumeFrom: "25");
        await c2.ReceiveAsync();
        await c2.ReceiveAsync();
        Assert.Equal(c.RawFrames.Last(), c2.RawFrames.Last());
    }

    [Fact]
    public async Task ResumeFrom_WireFormatIsConfigurable()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { AcceptResumeFrom = ResumeFromFormat.Number });
        sim.PublishSignals(8, 3);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(8, requestId: "s", resumeFrom: "1");
        var e = await c.ReceiveAsync();
        Assert.Equal("ResumeFrom", e.P().Str("field"));
        sim.Options.AcceptResumeFrom = ResumeFromFormat.String;
        await c.SubscribeAsync(8, requestId: "n", resumeFrom: 1);
        Assert.Equal("ResumeFrom", (await c.ReceiveAsync()).P().Str("field"));
        await c.SubscribeAsync(8, requestId: "ok", resumeFrom: "1");
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        Assert.Equal(2, (await c.ReceiveAsync()).Seq());
        Assert.Equal(3, (await c.ReceiveAsync()).Seq());
    }

    [Fact]
    public async Task ResumeFrom_WithConcurrentPublishing_DeliversEachSeqExactlyOnceInOrder()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { SyntheticPayloadBytes = 100, ReplayLimit = 10_000 });
        sim.PublishSignals(77, 200);
        await using var c = await RawClient.ConnectAsync(sim);
        var publisher = Task.Run(() => sim.PublishSignals(77, 2000));
        await c.SubscribeAsync(77, resumeFrom: 50);
        await publisher;
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        var seqs = new List<long>();
        while (seqs.Count == 0 || seqs[^1] < 2200) seqs.Add((await c.ReceiveAsync()).Seq());
        Assert.Equal(Enumerable.Range(51, 2150).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Burst_10000Signals_ArriveInOrder()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(1);
        await c.ReceiveAsync();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var seqs = sim.PublishSignals(1, 10_000);
        Assert.Equal(10_000, seqs[^1]);
        for (long s = 1; s <= 10_000; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        await sim.WaitForAsync(s => s.Stats.MessagesSent >= 10_002, T);
    }

    [Fact]
    public async Task WaitForAsync_TimesOutWithClearMessage()
    {
        await using var sim = await C2Simulator.StartAsync();
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => sim.WaitForAsync(s => s.Stats.ConnectionsAccepted > 0, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("not met within 100 ms", ex.Message);
    }
}
