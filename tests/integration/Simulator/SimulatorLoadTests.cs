using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

public class SimulatorLoadTests
{
    [Fact]
    public async Task SlowConsumer_DoesNotBlockPublishing()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { SyntheticPayloadBytes = 4000 });
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + sim.DemoApiKey);
        await ws.ConnectAsync(sim.Uri, default);
        var sub = "{\"msg_type\":\"subscription.request\",\"timestamp\":\"" + RawClient.Now() +
                  "\",\"payload\":{\"action\":\"subscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":31}}";
        await ws.SendAsync(Encoding.UTF8.GetBytes(sub), WebSocketMessageType.Text, true, default);
        await sim.WaitForAsync(s => s.Stats.Subscribes == 1, RawClient.Timeout);
        // The client never reads: ~20 MB is far beyond the socket buffers, yet publishing completes
        // (a blocking publisher would hang forever; the bound is loose for busy CI machines).
        var sw = Stopwatch.StartNew();
        await Task.Run(() => sim.PublishSignals(31, 5000)).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), sw.Elapsed.ToString());
        Assert.Equal(5000, sim.LastSeq("strategy.signal", 31));
        ws.Abort();
        await sim.WaitForAsync(s => s.Connections.Count == 0, RawClient.Timeout);
    }

    [Fact]
    public async Task ConcurrentConnects_PerKeyLimitIsExact()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { MaxConnectionsPerKey = 10 });
        var attempts = Enumerable.Range(0, 12).Select(async _ =>
        {
            var ws = new ClientWebSocket();
            ws.Options.CollectHttpResponseDetails = true;
            ws.Options.SetRequestHeader("Authorization", "Bearer " + sim.DemoApiKey);
            try { await ws.ConnectAsync(sim.Uri, default); } catch (WebSocketException) { }
            return ws;
        }).ToArray();
        var sockets = await Task.WhenAll(attempts);
        try
        {
            Assert.Equal(10, sockets.Count(s => s.State == WebSocketState.Open));
            Assert.Equal(2, sockets.Count(s => s.HttpStatusCode == HttpStatusCode.TooManyRequests));
            Assert.Equal(10, sim.Connections.Count);
        }
        finally
        {
            foreach (var s in sockets) { s.Abort(); s.Dispose(); }
        }
        await sim.WaitForAsync(s => s.Connections.Count == 0, RawClient.Timeout);
        await using var again = await RawClient.ConnectAsync(sim);
    }
}
