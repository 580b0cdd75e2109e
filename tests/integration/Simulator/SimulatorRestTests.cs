using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

/// <summary>The simulator's REST API as any HTTP client sees it: the documented envelope in both casings, URL-encoded
/// cursors that must come back decoded once, its errors and faults, and a history that is what the socket published.</summary>
public class SimulatorRestTests
{
    private const long S = 12345678;

    private static HttpClient Http(C2Simulator sim, string? key = null)
    {
        var http = new HttpClient(new HttpClientHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = sim.RestUri };
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + (key ?? sim.DemoApiKey));
        return http;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    [Fact]
    public async Task Orders_page_in_the_documented_envelope_with_URL_encoded_cursors_in_either_casing()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { Rest = { PageSize = 2 } });
        sim.PublishSignals(S, 3);
        using var http = Http(sim);

        var (status, body, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("Results").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("ResponseStatus").ValueKind);
        var next = body.GetProperty("Pagination").GetProperty("next_cursor").GetString()!;
        Assert.Equal("c1%2F2%2Ba%3D%3D", next);                                         // URL-encoded in the JSON

        // Sent back decoded (and so encoded once in the query): the next page. Sent back as received: refused.
        var (ok, page2, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S + "&Cursor=" + Uri.EscapeDataString(Uri.UnescapeDataString(next)));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Single(page2.GetProperty("Results").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("Pagination").GetProperty("next_cursor").ValueKind);
        var (twice, error, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S + "&Cursor=" + Uri.EscapeDataString(next));
        Assert.Equal(HttpStatusCode.BadRequest, twice);
        Assert.Equal("Cursor", error.GetProperty("ResponseStatus").GetProperty("Errors")[0].GetProperty("FieldName").GetString());
        var (raw, _, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S + "&Cursor=" + Uri.UnescapeDataString(next)); // '+' read as a space
        Assert.Equal(HttpStatusCode.BadRequest, raw);

        sim.Options.Rest.Casing = RestCasing.Camel;
        var (_, camel, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S);
        Assert.True(camel.TryGetProperty("results", out var rows));
        Assert.True(rows[0].TryGetProperty("signalId", out _));
        Assert.True(rows[0].GetProperty("c2Symbol").TryGetProperty("fullSymbol", out _));
        Assert.True(camel.GetProperty("pagination").TryGetProperty("next_cursor", out _)); // stays snake_case
    }

    [Theory]
    [InlineData(PayloadVocabulary.SnakeCase)]
    [InlineData(PayloadVocabulary.RestV4)]
    [InlineData(PayloadVocabulary.NoStrategyId)]
    public async Task Each_published_signal_is_an_order_row_with_the_sockets_SignalId_and_posting_time(PayloadVocabulary vocabulary)
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { Vocabulary = vocabulary });
        await using var client = await RawClient.ConnectAsync(sim);
        await client.SubscribeAsync(S, requestId: "s");
        Assert.Equal("subscription.ack", (await client.ReceiveNonHeartbeatAsync()).Type());
        sim.PublishSignals(S, 4);
        var payloads = new JsonElement[4];
        for (var i = 0; i < 4; i++) payloads[i] = (await client.ReceiveNonHeartbeatAsync()).P().Clone();

        using var http = Http(sim);
        var (_, body, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S);
        var rows = body.GetProperty("Results").EnumerateArray().ToArray();
        Assert.Equal(4, rows.Length);
        for (var i = 0; i < 4; i++)
        {
            var p = payloads[i];
            var signalId = p.TryGetProperty("signal_id", out var sid) ? sid.GetInt64() : p.GetProperty("SignalId").GetInt64();
            var posted = p.TryGetProperty("posted_at", out var pa) ? pa.GetString() : p.GetProperty("PostedAt").GetString();
            Assert.Equal(signalId, rows[i].GetProperty("SignalId").GetInt64());
            Assert.Equal(posted, rows[i].GetProperty("PostedDate").GetString());
            Assert.Equal(S, rows[i].GetProperty("StrategyId").GetInt64());
            Assert.Contains(rows[i].GetProperty("Side").GetString(), new[] { "1", "2" });
        }
    }

    [Fact]
    public async Task A_given_payload_becomes_a_REST_v4_row_and_gets_a_SignalId_when_it_has_none()
    {
        await using var sim = await C2Simulator.StartAsync();
        sim.PublishSignal(S, new { symbol = "ESZ6", symbol_type = "future", side = "sell", quantity = 3, order_type = "limit", limit_price = 5012.25, action = "open", tif = "gtc" });
        sim.PublishSignal(S, new { note = "nothing an order needs" });
        using var http = Http(sim);
        var (_, body, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S);
        var r = body.GetProperty("Results");
        Assert.Equal("@ESZ6", r[0].GetProperty("C2Symbol").GetProperty("FullSymbol").GetString());
        Assert.Equal("2", r[0].GetProperty("Side").GetString());
        Assert.Equal("O", r[0].GetProperty("OpenClose").GetString());
        Assert.Equal("2", r[0].GetProperty("OrderType").GetString());
        Assert.Equal("1", r[0].GetProperty("TIF").GetString());
        Assert.Equal(3, r[0].GetProperty("OrderQuantity").GetDecimal());
        Assert.Equal(5012.25m, r[0].GetProperty("Limit").GetDecimal());
        Assert.True(r[1].GetProperty("SignalId").GetInt64() >= 900_000_000);          // C2 gives every order an id
        Assert.NotEqual(r[0].GetProperty("SignalId").GetInt64(), r[1].GetProperty("SignalId").GetInt64());
    }

    [Fact]
    public async Task Dates_filter_and_descending_order_and_active_orders_and_closed_trades_answer()
    {
        await using var sim = await C2Simulator.StartAsync();
        sim.PublishSignal(S, new { signal_id = 1, symbol = "AAPL", side = "buy", action = "open", quantity = 10, order_type = "market", posted_at = "2026-01-01T10:00:00.000Z" });
        sim.PublishSignal(S, new { signal_id = 2, symbol = "AAPL", side = "sell", action = "close", quantity = 10, order_type = "limit", limit_price = 190.5, posted_at = "2026-01-01T11:00:00.000Z" });
        sim.PublishSignal(S, new { signal_id = 3, symbol = "MSFT", side = "buy", action = "open", quantity = 5, order_type = "stop", stop_price = 400, posted_at = "2026-01-01T12:00:00.000Z" });
        using var http = Http(sim);

        var (_, window, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S + "&StartDate=2026-01-01T10:30:00Z&EndDate=2026-01-01T12:00:00.000Z");
        Assert.Equal(new long[] { 2, 3 }, window.GetProperty("Results").EnumerateArray().Select(x => x.GetProperty("SignalId").GetInt64()));
        var (_, down, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=" + S + "&AscendingOrder=false");
        Assert.Equal(new long[] { 3, 2, 1 }, down.GetProperty("Results").EnumerateArray().Select(x => x.GetProperty("SignalId").GetInt64()));

        var (_, active, _) = await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyIds=" + S);
        var working = active.GetProperty("Results").EnumerateArray().ToArray();
        Assert.Equal(new long[] { 2, 3 }, working.Select(x => x.GetProperty("SignalId").GetInt64()));   // limit and stop orders
        Assert.All(working, w => Assert.Equal("Working", w.GetProperty("OrderStatus").GetString()));
        Assert.False(active.TryGetProperty("Pagination", out _));

        var (_, trades, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalClosedTrades?StrategyId=" + S + "&CommissionPlan=0");
        var t = Assert.Single(trades.GetProperty("Results").EnumerateArray());
        Assert.Equal(1, t.GetProperty("TradeId").GetInt64());
        Assert.Equal("2026-01-01T10:00:00.000Z", t.GetProperty("OpenDate").GetString());
        Assert.Equal("2026-01-01T11:00:00.000Z", t.GetProperty("CloseDate").GetString());
        Assert.Equal(190.5m, t.GetProperty("ClosePrice").GetDecimal());
    }

    [Fact]
    public async Task Errors_use_the_ResponseStatus_envelope_and_an_unknown_method_is_a_bare_404()
    {
        var options = new SimulatorOptions();
        options.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666);
        await using var sim = await C2Simulator.StartAsync(options);
        using var http = Http(sim);

        var (bad, badBody, _) = await GetAsync(Http(sim, "wrong"), "Strategies/GetStrategyHistoricalOrders?StrategyId=1");
        Assert.Equal(HttpStatusCode.Unauthorized, bad);
        Assert.Equal("401", badBody.GetProperty("ResponseStatus").GetProperty("ErrorCode").GetString());

        var (forbidden, fBody, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=666");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("StrategyId", fBody.GetProperty("ResponseStatus").GetProperty("Errors")[0].GetProperty("FieldName").GetString());

        var (missing, mBody, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("Missing value", mBody.GetProperty("ResponseStatus").GetProperty("Errors")[0].GetProperty("Message").GetString());
        var (limit, _, _) = await GetAsync(http, "Strategies/GetStrategyHistoricalOrders?StrategyId=1&Limit=1001");
        Assert.Equal(HttpStatusCode.BadRequest, limit);

        var (notFound, nBody, nResponse) = await GetAsync(http, "Strategies/GetStrategyNothing?StrategyId=1");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Equal(JsonValueKind.Undefined, nBody.ValueKind);
        Assert.Equal(0, nResponse.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Faults_fail_the_next_requests_with_Retry_After_and_slow_answers_are_late()
    {
        await using var sim = await C2Simulator.StartAsync();
        using var http = Http(sim);
        sim.Rest.FailNext(2, 429, TimeSpan.FromSeconds(7));
        var (first, body, response) = await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyId=1");
        Assert.Equal(HttpStatusCode.TooManyRequests, first);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        Assert.Equal("429", body.GetProperty("ResponseStatus").GetProperty("ErrorCode").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyId=1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyId=1")).Status);
        sim.Rest.FailNext(1, 500);
        Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyId=1")).Status);

        sim.Rest.DelayNext(1, TimeSpan.FromSeconds(30));
        using var impatient = Http(sim);
        impatient.Timeout = TimeSpan.FromMilliseconds(300);
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.GetAsync("Strategies/GetStrategyActiveOrders?StrategyId=1"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "Strategies/GetStrategyActiveOrders?StrategyId=1")).Status); // one request only
        // The simulator logs a request once its answer is written: the client can read the answer first.
        await sim.WaitForAsync(s => s.Rest.Requests.Count(r => r.Status != 0) >= 5, TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { 429, 429, 200, 500, 200 }, sim.Rest.Requests.Select(r => r.Status).Where(s => s != 0).Take(5));
    }
}
