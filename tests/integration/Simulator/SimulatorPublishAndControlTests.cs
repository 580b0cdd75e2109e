using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

public class SimulatorPublishAndControlTests
{
    [Fact]
    public async Task PublishSignal_AcceptsJsonNodeElementStringAndObjects_AsGiven()
    {
        await using var sim = await C2Simulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(11);
        await c.ReceiveAsync();
        sim.PublishSignal(11, new JsonObject { ["symbol"] = "ESZ6", ["limit_price"] = 5012.25 });
        sim.PublishSignal(11, JsonDocument.Parse("{\"symbol\":\"NQZ6\"}").RootElement);
        sim.PublishSignal(11, "{\"symbol\":\"CLF7\"}");
        sim.PublishSignal(11, new { symbol = "AAPL", stop_price = (double?)null });
        foreach (var expected in new[] { "ESZ6", "NQZ6", "CLF7", "AAPL" })
            Assert.Equal(expected, (await c.ReceiveAsync()).P().Str("symbol"));
        Assert.ThrowsAny<Exception>(() => sim.PublishSignal(11, "not json"));
        Assert.Equal(4, sim.LastSeq("strategy.signal", 11)); // a failed publish consumes no seq_id
        Assert.Equal(5, sim.PublishSignal(11));
    }

    [Fact]
    public async Task SyntheticPayload_IsRealisticSnakeCase_AndSized()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { SyntheticPayloadBytes = 2000 });
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(12345678);
        await c.ReceiveAsync();
        sim.PublishSignal(12345678);
        var m = await c.ReceiveAsync();
        var p = m.P();
        foreach (var f in new[] { "strategy_id", "signal_id", "symbol", "symbol_type", "side", "action", "quantity", "order_type", "limit_price", "stop_price", "tif", "posted_at" })
            Assert.True(p.TryGetProperty(f, out _), f);
        Assert.InRange(c.RawFrames[^1].Length, 1800, 2200);
    }

    [Fact]
    public async Task ControlApi_PublishStatsAndFaults()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { EnableControlApi = true });
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(21);
        await c.ReceiveAsync();
        using var http = new HttpClient { BaseAddress = sim.HttpUri };
        var resp = await http.PostAsync("control/publish?strategy_id=21&count=2", null);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Contains("seq_ids", await resp.Content.ReadAsStringAsync());
        resp = await http.PostAsync("control/publish?strategy_id=21", new StringContent("{\"symbol\":\"ESZ6\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(1, (await c.ReceiveAsync()).Seq());
        Assert.Equal(2, (await c.ReceiveAsync()).Seq());
        Assert.Equal("ESZ6", (await c.ReceiveAsync()).P().Str("symbol"));

        var stats = JsonDocument.Parse(await http.GetStringAsync("control/stats")).RootElement;
        Assert.Equal(1, stats.GetProperty("connections_accepted").GetInt64());
        Assert.Equal(21, stats.GetProperty("connections")[0].GetProperty("subscriptions")[0].GetProperty("strategy_id").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("control/faults/drop", null)).StatusCode);
        await c.Closed.WaitAsync(RawClient.Timeout);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("control/faults/nope", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("control/publish?strategy_id=x", null)).StatusCode);
    }

    [Fact]
    public async Task ControlApi_IsOffByDefault()
    {
        await using var sim = await C2Simulator.StartAsync();
        using var http = new HttpClient { BaseAddress = sim.HttpUri };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("control/stats")).StatusCode);
    }

    [Fact]
    public async Task StartAsync_TakesWellUnderASecond()
    {
        await (await C2Simulator.StartAsync()).DisposeAsync(); // warm-up (JIT)
        var sw = Stopwatch.StartNew();
        await using var sim = await C2Simulator.StartAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), sw.Elapsed.ToString());
    }
}
