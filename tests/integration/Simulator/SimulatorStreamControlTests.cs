using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

/// <summary>RestartStream, PublishWithEnvelopeOverride, and the history kept for resume_from.</summary>
public class SimulatorStreamControlTests
{
    private const long S = 12345678;
    private const string Signal = "strategy.signal";

    private static async Task<RawClient> SubscribedAsync(C2Simulator sim, long strategy, string channel = Signal, object? resumeFrom = null)
    {
        var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(strategy, channel: channel, requestId: "sub", resumeFrom: resumeFrom);
        Assert.Equal("sub", (await c.ReceiveAsync()).Str("request_id"));
        return c;
    }

    [Fact]
    public async Task RestartStream_NextSeqIsOne_HistoryForgotten_LiveSubscribersStay()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var live = await SubscribedAsync(sim, S);
        sim.PublishSignals(S, 5);
        for (long s = 1; s <= 5; s++) Assert.Equal(s, (await live.ReceiveAsync()).Seq());
        Assert.Equal(1, sim.PublishPosition(S));

        sim.RestartStream(Signal, S);
        Assert.Equal(0, sim.LastSeq(Signal, S));
        Assert.Equal(0, sim.HistoryCount(Signal, S));
        Assert.Equal(5, sim.PublishedCount(Signal, S));
        Assert.Equal(1, sim.Stats.StreamRestarts);

        Assert.Equal(1, sim.PublishSignal(S));
        Assert.Equal(1, (await live.ReceiveAsync()).Seq()); // still subscribed, seq starts again
        Assert.Equal(6, sim.PublishedCount(Signal, S));
        Assert.Equal(2, sim.PublishPosition(S));             // other streams are untouched

        // resume_from above the new position (the client's old checkpoint 5) replays nothing.
        await using var resumer = await SubscribedAsync(sim, S, resumeFrom: 5);
        Assert.Equal(2, sim.PublishSignal(S));
        var next = await resumer.ReceiveAsync();
        Assert.Equal(2, next.Seq()); // the live message, not a replay and no gap
        Assert.Equal(2, (await live.ReceiveAsync()).Seq());
        Assert.Equal(0, sim.Stats.ReplayedMessages);
        Assert.Equal(0, sim.Stats.GapsSent);

        // The new history replays as usual.
        await using var fromStart = await SubscribedAsync(sim, S, resumeFrom: "0");
        await fromStart.SubscribeAsync(S, requestId: "again", resumeFrom: 1);
        Assert.Equal("again", (await fromStart.ReceiveAsync()).Str("request_id"));
        Assert.Equal(2, (await fromStart.ReceiveAsync()).Seq());

        Assert.Throws<ArgumentException>(() => sim.RestartStream("strategy.orders", S));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.RestartStream(Signal, 0));
    }

    [Fact]
    public async Task PublishWithEnvelopeOverride_SendsTheRawValue_ConsumesNoSeqId_IsNotReplayed()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await SubscribedAsync(sim, S);
        sim.PublishSignals(S, 2);
        Assert.Equal(1, (await c.ReceiveAsync()).Seq());
        Assert.Equal(2, (await c.ReceiveAsync()).Seq());

        Assert.Equal(1, sim.PublishWithEnvelopeOverride(Signal, S, "seq_id", "\"notanumber\""));
        var m = await c.ReceiveAsync();
        Assert.Equal("strategy.signal", m.Type());
        Assert.Equal("notanumber", m.Str("seq_id"));
        Assert.Contains("\"seq_id\":\"notanumber\"", c.RawFrames.Last());
        Assert.Equal(S, m.P().GetProperty("strategy_id").GetInt64()); // synthetic payload, like a normal message
        Assert.Equal(3, sim.PublishSignal(S));                         // no seq_id consumed
        Assert.Equal(3, (await c.ReceiveAsync()).Seq());

        // Other fields: the message keeps the seq_id the next publish will get.
        var cases = new (string Field, string? Raw, Action<JsonElement> Check)[]
        {
            ("timestamp", "12", e => Assert.Equal(12, e.GetProperty("timestamp").GetInt32())),
            ("msg_type", "null", e => Assert.Equal(JsonValueKind.Null, e.GetProperty("msg_type").ValueKind)),
            ("v", "{}", e => Assert.Equal(JsonValueKind.Object, e.GetProperty("v").ValueKind)),
            ("id", "[1,2]", e => Assert.Equal(2, e.GetProperty("id").GetArrayLength())),
            ("payload", "\"text\"", e => Assert.Equal("text", e.Str("payload"))),
            ("seq_id", null, e => Assert.False(e.TryGetProperty("seq_id", out _))),   // null = field left out
            ("request_id", "7", e => Assert.Equal(7, e.GetProperty("request_id").GetInt32())), // absent field = added
        };
        foreach (var (field, raw, check) in cases)
        {
            sim.PublishWithEnvelopeOverride(Signal, S, field, raw);
            var e = await c.ReceiveAsync();
            check(e);
            if (field != "seq_id") Assert.Equal(4, e.Seq());
            if (field != "msg_type") Assert.Equal("strategy.signal", e.Type());
        }
        Assert.Equal(3, sim.LastSeq(Signal, S));
        Assert.Equal(3, sim.HistoryCount(Signal, S));
        Assert.Equal(cases.Length + 1, sim.Stats.EnvelopeOverridesSent);

        // Not stored: a replay holds only the real messages.
        await using var r = await SubscribedAsync(sim, S, resumeFrom: 1);
        Assert.Equal(2, (await r.ReceiveAsync()).Seq());
        Assert.Equal(3, (await r.ReceiveAsync()).Seq());
        Assert.Equal(4, sim.PublishSignal(S));
        Assert.Equal(4, (await r.ReceiveAsync()).Seq());
        Assert.Equal(4, (await c.ReceiveAsync()).Seq());

        Assert.Equal(0, sim.PublishWithEnvelopeOverride(Signal, 999, "seq_id", "1")); // no subscriber
        Assert.Throws<ArgumentException>(() => sim.PublishWithEnvelopeOverride(Signal, S, "seq_id", "not json"));
        Assert.Throws<ArgumentException>(() => sim.PublishWithEnvelopeOverride(Signal, S, "", "1"));
    }

    [Fact]
    public async Task PublishWithEnvelopeOverride_PositionsAndEnvelopeStrategy()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            EnvelopeStrategy = EnvelopeStrategyField.StrategyId,
            Vocabulary = PayloadVocabulary.RestV4,
        });
        await using var c = await SubscribedAsync(sim, S, "strategy.positions");
        sim.PublishWithEnvelopeOverride("strategy.positions", S, "strategy_id", "\"12345678\"");
        var m = await c.ReceiveAsync();
        Assert.Equal("strategy.positions", m.Type());
        Assert.Equal("12345678", m.Str("strategy_id"));
        Assert.Equal(1, m.Seq());
        Assert.True(m.P().TryGetProperty("AvgPx", out _));
    }

    [Fact]
    public async Task Burst_50000Signals_FitsTheDefaultHistory()
    {
        var opts = new SimulatorOptions();
        Assert.True(opts.MaxHistoryPerStream >= 50_000, "default MaxHistoryPerStream: " + opts.MaxHistoryPerStream);
        await using var sim = await C2Simulator.StartAsync(opts);
        var seqs = sim.PublishSignals(S, 50_000);
        Assert.Equal(50_000, seqs[^1]);
        Assert.Equal(50_000, sim.HistoryCount(Signal, S));

        // The oldest one is still there: resume_from 1 replays from seq 2 (up to ReplayLimit, then a gap).
        await using var c = await SubscribedAsync(sim, S, resumeFrom: 1);
        for (long s = 2; s <= 1001; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        var gap = await c.ReceiveAsync();
        Assert.Equal("gap", gap.Type());
        Assert.Equal("1", gap.P().Str("from"));

        // And the newest: resume_from 49,500 replays 49,501..50,000, no gap, then live.
        await using var tail = await SubscribedAsync(sim, S, resumeFrom: "49500");
        Assert.Equal(50_001, sim.PublishSignal(S));
        for (long s = 49_501; s <= 50_001; s++) Assert.Equal(s, (await tail.ReceiveAsync()).Seq());
    }

    [Fact]
    public async Task PublishingWhileNoClientIsConnected_KeepsHistoryForALaterResume()
    {
        await using var sim = await C2Simulator.StartAsync();
        var first = await SubscribedAsync(sim, S);
        sim.PublishSignal(S);
        Assert.Equal(1, (await first.ReceiveAsync()).Seq());
        await first.DisposeAsync();
        await sim.WaitForAsync(s => s.Connections.Count == 0, RawClient.Timeout);

        Assert.Equal(new long[] { 2, 3, 4, 5, 6 }, sim.PublishSignals(S, 5));

        await using var back = await SubscribedAsync(sim, S, resumeFrom: "1");
        for (long s = 2; s <= 6; s++) Assert.Equal(s, (await back.ReceiveAsync()).Seq());
        Assert.Equal(7, sim.PublishSignal(S));
        Assert.Equal(7, (await back.ReceiveAsync()).Seq());
        Assert.Equal(5, sim.Stats.ReplayedMessages);
    }
}
