using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

/// <summary>Each branch the C2 docs leave open (docs/protocol.md §13.2), played by a <see cref="SimulatorOptions"/> value
/// and asserted on the bytes a raw client receives.</summary>
public class SimulatorOpenPointsTests
{
    private const long S = 12345678;
    private static readonly Regex IsoMillisUtc = new(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");

    private static async Task<RawClient> SubscribedAsync(C2Simulator sim, params string[] channels)
    {
        var c = await RawClient.ConnectAsync(sim);
        foreach (var ch in channels.Length == 0 ? new[] { "strategy.signal" } : channels)
        {
            await c.SubscribeAsync(S, channel: ch);
            Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        }
        return c;
    }

    private static string[] Names(JsonElement o) => o.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task Vocabulary_RestV4_UsesRestNamesAndValueTypes_UserPayloadsAsGiven_ReadLive()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { Vocabulary = PayloadVocabulary.RestV4 });
        await using var c = await SubscribedAsync(sim, "strategy.signal", "strategy.positions");
        const int n = 60; // enough for every OrderType, Side, OpenClose and TIF value to show up
        sim.PublishSignals(S, n);
        var seen = new HashSet<string>();
        for (int i = 1; i <= n; i++)
        {
            var p = (await c.ReceiveAsync()).P();
            Assert.Equal(new[] { "StrategyId", "SignalId", "Side", "OrderType", "OpenClose", "OrderQuantity", "Limit", "Stop", "TIF", "C2Symbol", "PostedAt" }, Names(p));
            Assert.Equal(S, p.GetProperty("StrategyId").GetInt64());
            Assert.Equal(JsonValueKind.Number, p.GetProperty("SignalId").ValueKind);
            string side = p.Str("Side")!, type = p.Str("OrderType")!, oc = p.Str("OpenClose")!, tif = p.Str("TIF")!;
            Assert.Contains(side, new[] { "1", "2" });
            Assert.Contains(type, new[] { "1", "2", "3" });
            Assert.Contains(oc, new[] { "O", "C" });
            Assert.Contains(tif, new[] { "0", "1" });
            seen.UnionWith(new[] { "side" + side, "type" + type, "oc" + oc, "tif" + tif });
            Assert.True(p.GetProperty("OrderQuantity").GetInt64() > 0);
            Assert.Equal(type == "2" ? JsonValueKind.Number : JsonValueKind.Null, p.GetProperty("Limit").ValueKind);
            Assert.Equal(type == "3" ? JsonValueKind.Number : JsonValueKind.Null, p.GetProperty("Stop").ValueKind);
            var sym = p.GetProperty("C2Symbol");
            Assert.Equal(new[] { "FullSymbol", "SymbolType" }, Names(sym));
            Assert.Contains(sym.Str("SymbolType"), new[] { "future", "stock", "forex" });
            if (sym.Str("SymbolType") == "future") Assert.StartsWith("@", sym.Str("FullSymbol"));
            Assert.Matches(IsoMillisUtc, p.Str("PostedAt")!);
        }
        Assert.Equal(9, seen.Count); // side 1/2, type 1/2/3, OpenClose O/C, TIF 0/1

        sim.PublishPosition(S);
        var pos = (await c.ReceiveAsync()).P();
        Assert.Equal(new[] { "StrategyId", "Quantity", "AvgPx", "C2Symbol", "UpdatedAt" }, Names(pos));
        Assert.Equal(S, pos.GetProperty("StrategyId").GetInt64());
        Assert.Equal(JsonValueKind.Number, pos.GetProperty("Quantity").ValueKind);
        Assert.Equal(JsonValueKind.Number, pos.GetProperty("AvgPx").ValueKind);
        Assert.Equal(new[] { "FullSymbol", "SymbolType" }, Names(pos.GetProperty("C2Symbol")));
        Assert.Matches(IsoMillisUtc, pos.Str("UpdatedAt")!);

        sim.PublishSignal(S, "{\"symbol\":\"ESZ6\"}"); // user payloads are sent as given
        Assert.Equal(new[] { "symbol" }, Names((await c.ReceiveAsync()).P()));
        sim.Options.Vocabulary = PayloadVocabulary.SnakeCase; // read live
        sim.PublishSignal(S);
        Assert.Equal(S, (await c.ReceiveAsync()).P().GetProperty("strategy_id").GetInt64());
    }

    [Fact]
    public async Task Vocabulary_NoStrategyId_LeavesNoStrategyIdAnywhereInDataMessages()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { Vocabulary = PayloadVocabulary.NoStrategyId });
        await using var c = await SubscribedAsync(sim, "strategy.signal", "strategy.positions");
        sim.PublishSignal(S);
        sim.PublishPosition(S);
        var signal = await c.ReceiveAsync();
        var position = await c.ReceiveAsync();
        Assert.Equal("strategy.signal", signal.Type());
        Assert.True(signal.P().TryGetProperty("signal_id", out _));
        Assert.False(string.IsNullOrEmpty(signal.P().Str("symbol")));
        Assert.Equal("strategy.positions", position.Type());
        Assert.True(position.P().TryGetProperty("avg_price", out _));
        foreach (var raw in c.RawFrames.Where(f => f.Contains("\"seq_id\"")))
        {
            Assert.DoesNotContain(S.ToString(), raw);
            Assert.DoesNotContain("strategy_id", raw, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("StrategyId", raw, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(2, c.RawFrames.Count(f => f.Contains("\"seq_id\"")));
    }

    [Theory]
    [InlineData(EnvelopeStrategyField.StrategyId)]
    [InlineData(EnvelopeStrategyField.StreamName)]
    public async Task EnvelopeStrategy_NamesTheStreamAtEnvelopeLevel_OnDataMessagesOnly_AlsoWhenReplayed(EnvelopeStrategyField field)
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            EnvelopeStrategy = field,
            Vocabulary = PayloadVocabulary.NoStrategyId, // the envelope is then the only place that names the strategy
        });
        await using var c = await SubscribedAsync(sim, "strategy.signal", "strategy.positions");
        sim.PublishSignal(S);
        sim.PublishPosition(S);
        foreach (var channel in new[] { "strategy.signal", "strategy.positions" })
        {
            var m = await c.ReceiveAsync();
            Assert.Equal(channel, m.Type());
            Assert.Equal(1, m.Seq());
            if (field == EnvelopeStrategyField.StrategyId)
            {
                Assert.Equal(JsonValueKind.Number, m.GetProperty("strategy_id").ValueKind);
                Assert.Equal(S, m.GetProperty("strategy_id").GetInt64());
                Assert.False(m.TryGetProperty("channel", out _));
            }
            else
            {
                Assert.Equal($"{channel}:{S}", m.Str("channel"));
                Assert.False(m.TryGetProperty("strategy_id", out _));
            }
            Assert.False(m.P().TryGetProperty("strategy_id", out _));
        }
        // Non-data messages keep the plain envelope.
        var ack = JsonDocument.Parse(c.RawFrames.First(f => f.Contains("subscription.ack"))).RootElement;
        Assert.False(ack.TryGetProperty("strategy_id", out _));
        Assert.False(ack.TryGetProperty("channel", out _));

        // A replay is the stored message, envelope field included.
        sim.PublishSignal(S);
        Assert.Equal(2, (await c.ReceiveAsync()).Seq());
        await using var r = await RawClient.ConnectAsync(sim);
        await r.SubscribeAsync(S, requestId: "replay", resumeFrom: 1);
        Assert.Equal("replay", (await r.ReceiveAsync()).Str("request_id"));
        Assert.Equal(2, (await r.ReceiveAsync()).Seq());
        Assert.Equal(c.RawFrames.Last(), r.RawFrames.Last());
    }

    [Fact]
    public async Task VersionFormat_String_PutsStringVOnEveryServerMessage()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            VersionFormat = VersionFormat.String,
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatGrace = TimeSpan.FromSeconds(5),
            ReplayLimit = 1,
        });
        sim.PublishSignals(S, 3);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, resumeFrom: 1);          // ack, seq 2, gap
        await c.SubscribeAsync(0, requestId: "bad");       // error
        var kinds = new HashSet<string>();
        while (!kinds.IsSupersetOf(new[] { "subscription.ack", "strategy.signal", "gap", "error", "heartbeat" }))
            kinds.Add((await c.ReceiveAsync()).Type());
        Assert.Contains("connection.connected", c.RawFrames[0]);
        string[] frames;
        lock (c.RawFrames) frames = c.RawFrames.ToArray();
        foreach (var raw in frames)
        {
            var v = JsonDocument.Parse(raw).RootElement.GetProperty("v");
            Assert.Equal(JsonValueKind.String, v.ValueKind);
            Assert.Equal("4", v.GetString());
            Assert.Contains("\"v\":\"4\"", raw);
        }

        sim.Options.VersionFormat = VersionFormat.Number; // read live
        sim.PublishSignal(S);
        await c.ReceiveNonHeartbeatAsync();
        Assert.Contains("\"v\":4,", c.RawFrames.Last(f => f.Contains("\"seq_id\":4")));
    }

    [Theory]
    [InlineData(AckPayloadShape.Empty)]
    [InlineData(AckPayloadShape.Absent)]
    public async Task AckPayload_EmptyOrAbsent_RequestIdStillEchoed(AckPayloadShape shape)
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { AckPayload = shape });
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, requestId: "sub-1");
        await c.SubscribeAsync(S, requestId: "unsub-1", action: "unsubscribe");
        foreach (var id in new[] { "sub-1", "unsub-1" })
        {
            var ack = await c.ReceiveAsync();
            Assert.Equal("subscription.ack", ack.Type());
            Assert.Equal(id, ack.Str("request_id"));
            if (shape == AckPayloadShape.Empty)
            {
                Assert.Equal(JsonValueKind.Object, ack.P().ValueKind);
                Assert.Empty(Names(ack.P()));
                Assert.Contains("\"payload\":{}", c.RawFrames.Last(f => f.Contains(id)));
            }
            else
            {
                Assert.False(ack.TryGetProperty("payload", out _));
                Assert.DoesNotContain("payload", c.RawFrames.Last(f => f.Contains(id)));
            }
        }
    }

    [Fact]
    public async Task AckUnsubscribe_False_ServerNeverAnswersAnUnsubscribe_ButStillUnsubscribes()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { AckUnsubscribe = false });
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, requestId: "sub");
        Assert.Equal("sub", (await c.ReceiveAsync()).Str("request_id"));
        await c.SubscribeAsync(S, requestId: "unsub", action: "unsubscribe");
        await c.SubscribeAsync(S, requestId: "unsub-again", action: "unsubscribe"); // not subscribed: still silent
        await c.SubscribeAsync(777, requestId: "sentinel");
        var next = await c.ReceiveAsync();
        Assert.Equal("subscription.ack", next.Type());
        Assert.Equal("sentinel", next.Str("request_id")); // nothing answered the unsubscribes
        await sim.WaitForAsync(s => s.Stats.Unsubscribes == 2, RawClient.Timeout);

        sim.PublishSignal(S);   // no longer subscribed
        sim.PublishSignal(777); // the sentinel stream
        var m = await c.ReceiveAsync();
        Assert.Equal(777, m.P().GetProperty("strategy_id").GetInt64());

        // An invalid unsubscribe is still answered with an error.
        await c.SubscribeAsync(-1, requestId: "bad-unsub", action: "unsubscribe");
        var e = await c.ReceiveAsync();
        Assert.Equal("error", e.Type());
        Assert.Equal("StrategyId", e.P().Str("field"));
        Assert.Equal(new[] { new SimulatorSubscription("strategy.signal", 777) }, sim.Connections.Single().Subscriptions);
    }

    public static IEnumerable<object[]> ResumeFromCases() =>
        from fmt in new[] { ResumeFromFormat.String, ResumeFromFormat.Number, ResumeFromFormat.Both }
        from asString in new[] { true, false }
        from echo in new[] { true, false }
        select new object[] { fmt, asString, echo };

    [Theory]
    [MemberData(nameof(ResumeFromCases))]
    public async Task AcceptResumeFrom_AcceptsItsTypes_RefusesTheOtherWithOneErrorAndNoAck(ResumeFromFormat fmt, bool asString, bool echo)
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { AcceptResumeFrom = fmt, EchoRequestIdOnError = echo });
        sim.PublishSignals(S, 3);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, requestId: "resume", resumeFrom: asString ? "1" : 1);
        bool accepted = fmt == ResumeFromFormat.Both || (fmt == ResumeFromFormat.String) == asString;
        var first = await c.ReceiveAsync();
        if (accepted)
        {
            Assert.Equal("subscription.ack", first.Type());
            Assert.Equal("resume", first.Str("request_id"));
            Assert.Equal(2, (await c.ReceiveAsync()).Seq());
            Assert.Equal(3, (await c.ReceiveAsync()).Seq());
        }
        else
        {
            Assert.Equal("error", first.Type());
            Assert.Equal("INVALID_PARAMETER", first.P().Str("code"));
            Assert.Equal("ResumeFrom", first.P().Str("field"));
            Assert.False(first.P().TryGetProperty("errors", out _));
            Assert.Equal(echo, first.TryGetProperty("request_id", out _));
            if (echo) Assert.Equal("resume", first.Str("request_id"));
        }
        // Sentinel: the next message answers the next request, so nothing else (no ack, no replay) came.
        await c.SubscribeAsync(777, requestId: "sentinel");
        var next = await c.ReceiveAsync();
        Assert.Equal("sentinel", next.Str("request_id"));
        Assert.Equal(accepted, sim.Connections.Single().Subscriptions.Contains(new SimulatorSubscription("strategy.signal", S)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EchoRequestIdOnError_EchoesOrOmitsOnEveryKindOfError(bool echo)
    {
        var opts = new SimulatorOptions { EchoRequestIdOnError = echo };
        opts.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666);
        await using var sim = await C2Simulator.StartAsync(opts);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(666, requestId: "forbidden");                                   // FORBIDDEN
        await c.SubscribeAsync(S, requestId: "skewed", clockOffset: TimeSpan.FromMinutes(-5)); // validation
        await c.SendAsync(new { msg_type = "bogus", request_id = "unknown", timestamp = RawClient.Now() }); // unknown type
        foreach (var id in new[] { "forbidden", "skewed", "unknown" })
        {
            var e = await c.ReceiveAsync();
            Assert.Equal("error", e.Type());
            Assert.Equal(echo, e.TryGetProperty("request_id", out _));
            if (echo) Assert.Equal(id, e.Str("request_id"));
        }
        await c.SubscribeAsync(S, requestId: "ok"); // acks echo either way
        Assert.Equal("ok", (await c.ReceiveAsync()).Str("request_id"));
    }

    [Fact]
    public async Task HandshakeRejectionCodes_SetThe429And503BodyCode()
    {
        var opts = new SimulatorOptions { MaxConnectionsPerKey = 1 };
        opts.HandshakeRejectionCodes[429] = "TOO_MANY_REQUESTS";
        opts.HandshakeRejectionCodes[503] = "MAINTENANCE";
        await using var sim = await C2Simulator.StartAsync(opts);
        using var http = new HttpClient();
        async Task<(HttpStatusCode, string)> UpgradeAsync()
        {
            var req = new HttpRequestMessage(HttpMethod.Get, new Uri(sim.HttpUri, "ws"));
            req.Headers.Add("Connection", "Upgrade");
            req.Headers.Add("Upgrade", "websocket");
            req.Headers.Add("Sec-WebSocket-Version", "13");
            req.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
            req.Headers.Add("Authorization", "Bearer " + sim.DemoApiKey);
            using var resp = await http.SendAsync(req);
            return (resp.StatusCode, await resp.Content.ReadAsStringAsync());
        }
        sim.RejectNextHandshakes(1, 503);
        sim.RejectNextHandshakes(1, 429);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "{\"code\":\"MAINTENANCE\",\"message\":\"Service unavailable\"}"), await UpgradeAsync());
        Assert.Equal((HttpStatusCode.TooManyRequests, "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"Rate limit exceeded\"}"), await UpgradeAsync());
        await using var first = await RawClient.ConnectAsync(sim); // the key's only connection
        var (status, body) = await UpgradeAsync();                 // per-key limit
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("TOO_MANY_REQUESTS", JsonDocument.Parse(body).RootElement.Str("code"));
    }

    [Fact]
    public async Task HeartbeatTimeoutCloseStatus_AnyCodeCanBePlayed()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatGrace = TimeSpan.FromMilliseconds(100),
            HeartbeatTimeoutCloseStatus = (WebSocketCloseStatus)4001,
        });
        await using var c = await RawClient.ConnectAsync(sim); // never acks
        await c.Closed.WaitAsync(RawClient.Timeout);
        Assert.Equal((WebSocketCloseStatus)4001, c.Socket.CloseStatus);
        Assert.Equal("heartbeat timeout", c.Socket.CloseStatusDescription);
    }
}
