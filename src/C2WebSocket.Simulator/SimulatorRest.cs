using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace C2WebSocket.Simulator;

/// <summary>
/// The simulator's REST API (docs/protocol.md §11, §11.1), on the WebSocket's port with the same keys:
/// <c>GET /Strategies/GetStrategyHistoricalOrders</c> (StrategyId, StartDate, EndDate, Limit, AscendingOrder, Cursor;
/// cursor-paged), <c>GET /Strategies/GetStrategyActiveOrders</c> (StrategyId or StrategyIds) and
/// <c>GET /Strategies/GetStrategyHistoricalClosedTrades</c> (StrategyId, CommissionPlan; not paged). Answers in the
/// documented envelope, in <see cref="SimulatorRestOptions.Casing"/>, gzip- or Brotli-compressed when asked; errors in
/// the ResponseStatus envelope (401 bad key, 403 forbidden strategy, 400 bad parameter with its FieldName, 404 with no
/// body for an unknown method). Faults for tests: <see cref="FailNext"/> (401, 429 with Retry-After, 500, 503) and
/// <see cref="DelayNext"/> (slow answers). Every request is logged without the key (<see cref="Requests"/>).
/// </summary>
public sealed class SimulatorRest
{
    private const string StrategiesPrefix = "/Strategies/";
    private static readonly Regex CursorPattern = new(@"^c1/(\d+)\+([ad])==$", RegexOptions.CultureInvariant);

    private readonly C2Simulator _sim;
    private readonly object _gate = new();
    private readonly Queue<(int Status, TimeSpan? RetryAfter)> _failures = new();
    private readonly Queue<TimeSpan> _delays = new();
    private readonly List<SimulatorRestRequest> _requests = new();
    private long _requestCount;

    internal SimulatorRest(C2Simulator sim) => _sim = sim;

    internal RestOrderBook Book { get; } = new();

    public SimulatorRestOptions Options => _sim.Options.Rest;

    /// <summary>The next <paramref name="count"/> REST requests are answered with <paramref name="status"/> (401, 429,
    /// 500, 503, ...) in the error envelope, with Retry-After (whole seconds) when given.</summary>
    public void FailNext(int count, int status, TimeSpan? retryAfter = null)
    {
        lock (_gate) for (int i = 0; i < count; i++) _failures.Enqueue((status, retryAfter));
    }

    /// <summary>The next <paramref name="count"/> REST requests wait <paramref name="delay"/> before they are answered.</summary>
    public void DelayNext(int count, TimeSpan delay)
    {
        lock (_gate) for (int i = 0; i < count; i++) _delays.Enqueue(delay);
    }

    /// <summary>Orders the REST history holds for a strategy (every strategy.signal published on it).</summary>
    public int OrderCount(long strategyId) => Book.Count(strategyId);

    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>The last 1,000 requests, oldest first.</summary>
    public IReadOnlyList<SimulatorRestRequest> Requests { get { lock (_gate) return _requests.ToArray(); } }

    internal static bool Handles(PathString path) =>
        path.StartsWithSegments("/Strategies", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/General", StringComparison.OrdinalIgnoreCase);

    internal async Task HandleAsync(HttpContext ctx)
    {
        var writer = new RestRowWriter(Options.Casing);
        TimeSpan? delay = null;
        (int Status, TimeSpan? RetryAfter)? failure = null;
        lock (_gate)
        {
            if (_delays.Count > 0) delay = _delays.Dequeue();
            if (_failures.Count > 0) failure = _failures.Dequeue();
        }
        if (delay is { } d) await Task.Delay(d, ctx.RequestAborted).ConfigureAwait(false);

        string? key = null;
        int status;
        if (failure is { } f) status = await FailAsync(ctx, writer, f.Status, f.RetryAfter).ConfigureAwait(false);
        else if ((key = Bearer(ctx)) is null || !_sim.Options.ApiKeys.ContainsKey(key))
            status = await WriteAsync(ctx, 401, writer.Error("401", "Invalid API key", new[] { new RestFieldError("1003", null, "The API key is missing or invalid.") })).ConfigureAwait(false);
        else status = await RouteAsync(ctx, writer, key).ConfigureAwait(false);
        Log(ctx, status, key);
    }

    private Task<int> RouteAsync(HttpContext ctx, RestRowWriter writer, string key)
    {
        var path = ctx.Request.Path.Value ?? "";
        var method = path.StartsWith(StrategiesPrefix, StringComparison.OrdinalIgnoreCase) ? path.Substring(StrategiesPrefix.Length).TrimEnd('/') : "";
        if (!HttpMethods.IsGet(ctx.Request.Method) && method.Length > 0) return WriteAsync(ctx, 405, null);
        return method.ToLowerInvariant() switch
        {
            "getstrategyhistoricalorders" => HistoricalOrdersAsync(ctx, writer, key),
            "getstrategyactiveorders" => ActiveOrdersAsync(ctx, writer, key),
            "getstrategyhistoricalclosedtrades" => ClosedTradesAsync(ctx, writer, key),
            _ => WriteAsync(ctx, 404, null), // unknown endpoints: 404 with no body (docs/protocol.md §11)
        };
    }

    private Task<int> HistoricalOrdersAsync(HttpContext ctx, RestRowWriter writer, string key)
    {
        var q = ctx.Request.Query;
        if (!Strategy(q["StrategyId"], out var strategy)) return BadRequest(ctx, writer, "StrategyId", "Missing value");
        if (!_sim.Options.ApiKeys[key].MayAccess(strategy)) return Forbidden(ctx, writer, strategy);
        if (!Date(q["StartDate"], out var start)) return BadRequest(ctx, writer, "StartDate", "Not a date: " + q["StartDate"]);
        if (!Date(q["EndDate"], out var end)) return BadRequest(ctx, writer, "EndDate", "Not a date: " + q["EndDate"]);
        int limit = Options.MaxLimit;
        if (q["Limit"].Count > 0 && (!int.TryParse(q["Limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > Options.MaxLimit))
            return BadRequest(ctx, writer, "Limit", "Limit must be between 1 and " + Options.MaxLimit.ToString(CultureInfo.InvariantCulture));
        bool ascending = true;
        if (q["AscendingOrder"].Count > 0 && !bool.TryParse(q["AscendingOrder"], out ascending)) return BadRequest(ctx, writer, "AscendingOrder", "Not a boolean");
        long? after = null;
        if (!string.IsNullOrEmpty(q["Cursor"]))
        {
            // The query was URL-decoded once: a cursor sent still encoded, or sent raw ('+' read as a space), fails here.
            var m = CursorPattern.Match(q["Cursor"]!);
            if (!m.Success || (m.Groups[2].Value == "a") != ascending) return BadRequest(ctx, writer, "Cursor", "Invalid cursor");
            after = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var all = Book.Orders(strategy);
        var lookback = Options.ActiveOrderLookback;
        var matching = Enumerable.Range(0, all.Count)
            .Where(i => (start is null || all[i].Posted >= start) && (end is null || all[i].Posted <= end));
        if (!ascending) matching = matching.Reverse();
        if (after is long a) matching = matching.Where(i => ascending ? all[i].Ordinal > a : all[i].Ordinal < a);
        var rest = matching.ToList();
        var page = rest.Take(Math.Max(1, Math.Min(limit, Options.PageSize))).ToList();
        string? next = rest.Count > page.Count ? Cursor(all[page[^1]].Ordinal, ascending) : null;
        string? prev = page.Count > 0 && after is not null ? Cursor(all[page[0]].Ordinal, !ascending) : null;
        var body = writer.Page((w, rw) => { foreach (var i in page) rw.Order(w, all[i], RestOrderBook.IsWorking(all, i, lookback)); },
            pagination: true, prev, next, Options.EndMarker);
        return WriteAsync(ctx, 200, body);
    }

    private Task<int> ActiveOrdersAsync(HttpContext ctx, RestRowWriter writer, string key)
    {
        var q = ctx.Request.Query;
        var ids = new List<long>();
        foreach (var raw in q["StrategyId"].Concat(q["StrategyIds"]).SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!Strategy(raw.Trim(), out var id)) return BadRequest(ctx, writer, "StrategyId", "Not a strategy id: " + raw);
            ids.Add(id);
        }
        if (ids.Count == 0) return BadRequest(ctx, writer, "StrategyId", "Missing value");
        foreach (var id in ids)
            if (!_sim.Options.ApiKeys[key].MayAccess(id)) return Forbidden(ctx, writer, id);
        var lookback = Options.ActiveOrderLookback;
        var body = writer.Page((w, rw) =>
        {
            foreach (var id in ids)
            {
                var all = Book.Orders(id);
                for (int i = 0; i < all.Count; i++)
                    if (RestOrderBook.IsWorking(all, i, lookback)) rw.Order(w, all[i], working: true);
            }
        }, pagination: false, null, null, Options.EndMarker);
        return WriteAsync(ctx, 200, body);
    }

    private Task<int> ClosedTradesAsync(HttpContext ctx, RestRowWriter writer, string key)
    {
        var q = ctx.Request.Query;
        if (!Strategy(q["StrategyId"], out var strategy)) return BadRequest(ctx, writer, "StrategyId", "Missing value");
        if (q["CommissionPlan"].Count > 0 && !int.TryParse(q["CommissionPlan"], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return BadRequest(ctx, writer, "CommissionPlan", "Not a commission plan");
        if (!_sim.Options.ApiKeys[key].MayAccess(strategy)) return Forbidden(ctx, writer, strategy);
        var trades = RestOrderBook.ClosedTrades(Book.Orders(strategy));
        var body = writer.Page((w, rw) => { foreach (var t in trades) rw.Trade(w, t); }, pagination: false, null, null, Options.EndMarker);
        return WriteAsync(ctx, 200, body);
    }

    // ------------------------------------------------------------------ answers

    private Task<int> BadRequest(HttpContext ctx, RestRowWriter writer, string field, string message) =>
        WriteAsync(ctx, 400, writer.Error("400", "BadRequest", new[] { new RestFieldError("1102", field, message) }));

    private Task<int> Forbidden(HttpContext ctx, RestRowWriter writer, long strategy) =>
        WriteAsync(ctx, 403, writer.Error("403", "Forbidden",
            new[] { new RestFieldError("1002", "StrategyId", "Not authorized to access strategy " + strategy.ToString(CultureInfo.InvariantCulture)) }));

    private Task<int> FailAsync(HttpContext ctx, RestRowWriter writer, int status, TimeSpan? retryAfter)
    {
        if (retryAfter is { } ra)
            ctx.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(0, ra.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
        var message = status switch
        {
            401 => "Invalid API key",
            429 => "Too many requests: rate limit exceeded",
            500 => "Internal server error",
            503 => "Service unavailable: maintenance",
            _ => "Simulated failure",
        };
        return WriteAsync(ctx, status, writer.Error(status.ToString(CultureInfo.InvariantCulture), message, Array.Empty<RestFieldError>()));
    }

    /// <summary>Writes the answer, compressed as the client allows (Brotli first, then gzip). Null body: status only.</summary>
    private static async Task<int> WriteAsync(HttpContext ctx, int status, byte[]? body)
    {
        ctx.Response.StatusCode = status;
        if (body is null) return status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        var accepted = ctx.Request.Headers.AcceptEncoding.ToString();
        string? encoding = Accepts(accepted, "br") ? "br" : Accepts(accepted, "gzip") ? "gzip" : null;
        if (encoding is not null)
        {
            using var ms = new MemoryStream();
            using (Stream z = encoding == "br" ? new BrotliStream(ms, CompressionLevel.Fastest, true) : new GZipStream(ms, CompressionLevel.Fastest, true))
                z.Write(body);
            body = ms.ToArray();
            ctx.Response.Headers.ContentEncoding = encoding;
        }
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).ConfigureAwait(false);
        return status;
    }

    private static bool Accepts(string header, string coding) =>
        header.Split(',').Select(t => t.Split(';')).Any(t => string.Equals(t[0].Trim(), coding, StringComparison.OrdinalIgnoreCase) &&
                                                            !(t.Length > 1 && t[1].Trim().Replace(" ", "") is "q=0" or "q=0.0"));

    // ------------------------------------------------------------------ parsing and the log

    private static string Cursor(long ordinal, bool ascending) =>
        // Opaque to the client, with characters that must be URL-encoded ('/', '+', '='), sent URL-encoded as documented.
        Uri.EscapeDataString("c1/" + ordinal.ToString(CultureInfo.InvariantCulture) + "+" + (ascending ? "a" : "d") + "==");

    private static bool Strategy(string? text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    private static bool Date(Microsoft.Extensions.Primitives.StringValues v, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(v)) return true;
        if (!DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return false;
        value = t;
        return true;
    }

    private static string? Bearer(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var key = header.Substring(prefix.Length).Trim();
        return key.Length == 0 ? null : key;
    }

    private void Log(HttpContext ctx, int status, string? key)
    {
        var h = ctx.Request.Headers;
        var auth = h.Authorization.ToString();
        var entry = new SimulatorRestRequest(_sim.Now, ctx.Request.Method, ctx.Request.Path.Value ?? "", ctx.Request.QueryString.Value ?? "",
            auth.Length == 0 ? null : auth.Split(' ')[0], key is null ? null : C2Simulator.HashKey(key),
            NullIfEmpty(h.ContentType), NullIfEmpty(h.Accept), NullIfEmpty(h.AcceptEncoding), NullIfEmpty(ctx.Response.Headers.ContentEncoding), status);
        Interlocked.Increment(ref _requestCount);
        lock (_gate)
        {
            _requests.Add(entry);
            if (_requests.Count > 1000) _requests.RemoveRange(0, _requests.Count - 1000);
        }
        _sim.NotifyChanged();
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues v) => v.Count == 0 || string.IsNullOrEmpty(v.ToString()) ? null : v.ToString();
}
