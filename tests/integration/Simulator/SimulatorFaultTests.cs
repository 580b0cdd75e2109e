using System;
using System.Linq;
using System.Net.WebSockets;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

public class SimulatorFaultTests
{
    private static readonly TimeSpan T = RawClient.Timeout;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400); // "nothing arrives" window

    private static async Task<RawClient> SubscribedAsync(C2Simulator sim, long strategy, bool autoAck = false)
    {
        var c = await RawClient.ConnectAsync(sim, autoAck: autoAck);
        await c.SubscribeAsync(strategy);
        Assert.Equal("subscription.ack", (await c.ReceiveNonHeartbeatAsync()).Type());
        return c;
    }

    [Fact]
    public async Task DropAllConnections_AbortsWithoutCloseFrame()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        sim.DropAllConnections();
        await c.Closed.WaitAsync(T);
        Assert.Null(c.Socket.CloseStatus);
        await sim.WaitForAsync(s => s.Connections.Count == 0, T);
        await using var again = await RawClient.ConnectAsync(sim);
    }

    [Fact]
    public async Task CloseAllAsync_SendsQueuedMessagesThenCloseStatus()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await SubscribedAsync(sim, 3);
        sim.PublishSignals(3, 3);
        await sim.CloseAllAsync(WebSocketCloseStatus.EndpointUnavailable, "maintenance");
        for (long s = 1; s <= 3; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        await c.Closed.WaitAsync(T);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, c.Socket.CloseStatus);
        Assert.Equal("maintenance", c.Socket.CloseStatusDescription);
        await sim.WaitForAsync(s => s.Connections.Count == 0, T);
    }

    [Fact]
    public async Task Freeze_SendsNothing_IgnoresInput_DoesNotClose_ThenUnfreezeResumes()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatGrace = TimeSpan.FromMilliseconds(300), // acks may be slow on a busy machine
        });
        await using var c = await SubscribedAsync(sim, 9, autoAck: true);
        sim.Freeze();
        sim.PublishSignal(9);
        await c.SubscribeAsync(10, requestId: "ignored");
        // frozen longer than Interval + Grace: no missed-ack close may happen
        await Assert.ThrowsAsync<TimeoutException>(() => c.ReceiveAsync(TimeSpan.FromMilliseconds(700)));
        Assert.Equal(WebSocketState.Open, c.Socket.State);
        Assert.Equal(0, sim.Stats.ConnectionsClosedForMissedAck);
        Assert.DoesNotContain(sim.ReceivedClientMessages(sim.Connections.Single().Id), m => m.Contains("ignored"));
        sim.Unfreeze();
        Assert.Equal(1, (await c.ReceiveAsync()).Seq());
        long acks = sim.Stats.HeartbeatAcksReceived;
        await sim.WaitForAsync(s => s.Stats.HeartbeatAcksReceived >= acks + 2, T);
        Assert.Equal(0, sim.Stats.ConnectionsClosedForMissedAck);
    }

    [Fact]
    public async Task StopHeartbeats_NoHeartbeatsAndNoMissedAckClose_StartResumes()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatGrace = TimeSpan.FromMilliseconds(100),
        });
        sim.StopHeartbeats();
        await using var c = await RawClient.ConnectAsync(sim);
        await Assert.ThrowsAsync<TimeoutException>(() => c.ReceiveAsync(Quiet));
        Assert.Equal(WebSocketState.Open, c.Socket.State);
        Assert.Equal(0, sim.Stats.HeartbeatsSent);
        sim.StartHeartbeats();
        Assert.Equal("heartbeat", (await c.ReceiveAsync()).Type());
    }

    [Fact]
    public async Task PauseAndResumePublishing_DeliversHeldMessagesInOrder_Once()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var live = await SubscribedAsync(sim, 4);
        sim.PublishSignal(4);
        Assert.Equal(1, (await live.ReceiveAsync()).Seq());
        sim.PausePublishing();
        Assert.Equal(new long[] { 2, 3, 4 }, sim.PublishSignals(4, 3));
        Assert.Equal(4, sim.LastSeq("strategy.signal", 4));
        // a client resuming while paused gets the delivered history now and the held ones on resume
        await using var resumer = await RawClient.ConnectAsync(sim);
        await resumer.SubscribeAsync(4, resumeFrom: 0);
        Assert.Equal("subscription.ack", (await resumer.ReceiveAsync()).Type());
        await resumer.SubscribeAsync(4, requestId: "again", resumeFrom: "0");
        Assert.Equal("again", (await resumer.ReceiveAsync()).Str("request_id"));
        await Assert.ThrowsAsync<TimeoutException>(() => live.ReceiveAsync(Quiet));
        sim.ResumePublishing();
        sim.PublishSignal(4);
        foreach (var c in new[] { live, resumer })
            for (long s = 2; s <= 5; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        Assert.False(live.TryReceive(out _));
    }

    [Fact]
    public async Task RawBinaryAndFragmentedMessages_ReachClients()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        Assert.Equal("{oops", sim.PublishRawToAll("{oops"));
        Assert.Equal("(raw)", (await c.ReceiveAsync()).Type());
        await sim.SendRawAsync("{\"msg_type\":\"binary.thing\"}", binary: true);
        Assert.Equal("binary.thing", (await c.ReceiveAsync()).Type());
        Assert.Equal(1, c.BinaryMessages);
        int framesBefore = c.FrameCount;
        var big = "{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"pad\":\"" + new string('y', 1000) + "\"}}";
        await sim.SendFragmentedAsync(big, 100);
        var m = await c.ReceiveAsync();
        Assert.Equal(1000, m.P().GetProperty("pad").GetString()!.Length);
        Assert.True(c.FrameCount - framesBefore >= 10, $"frames: {c.FrameCount - framesBefore}");
    }

    [Fact]
    public async Task HistoryTrim_ResumeOlderThanHistory_GetsGap()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { MaxHistoryPerStream = 20, ReplayLimit = 50, SyntheticPayloadBytes = 50 });
        sim.PublishSignals(6, 100);
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(6, resumeFrom: 1);
        Assert.Equal("subscription.ack", (await c.ReceiveAsync()).Type());
        var first = await c.ReceiveAsync();
        Assert.True(first.Seq() > 70);
        long last = first.Seq();
        while (true)
        {
            var m = await c.ReceiveAsync();
            if (m.Type() == "gap") { Assert.Equal("1", m.P().Str("from")); break; }
            Assert.Equal(++last, m.Seq());
        }
        Assert.Equal(100, last);
    }
}
