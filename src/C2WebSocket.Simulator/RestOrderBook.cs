using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading;

namespace C2WebSocket.Simulator;

/// <summary>One order as C2's REST history shows it (docs/protocol.md §11.1: the order DTO), read from a published
/// strategy.signal. Values are kept in C2's REST v4 codes whatever vocabulary the payload used.</summary>
internal sealed record OrderRecord(
    long Ordinal, long StrategyId, long SignalId, DateTimeOffset Posted,
    string? FullSymbol, string? SymbolType, string? Side, string? OpenClose, string? OrderType,
    decimal? Quantity, decimal? Limit, decimal? Stop, string? Tif);

/// <summary>A closed trade: an opening order and the order that closed it (same strategy and symbol).</summary>
internal sealed record ClosedTrade(long Number, OrderRecord Open, OrderRecord Close);

/// <summary>
/// The REST history: every strategy.signal the simulator ever published, per strategy, in publish order. Recorded at
/// the publish point (one call) as the message's bytes and read into an <see cref="OrderRecord"/> the first time a
/// query needs it, so publishing pays only an append. Independent of the socket's replay history: a restarted stream
/// or trimmed replay keeps every order here, as C2's REST history keeps orders the socket no longer replays.
/// </summary>
internal sealed class RestOrderBook
{
    private sealed class StrategyOrders
    {
        public readonly List<byte[]> Raw = new();
        public readonly List<OrderRecord> Parsed = new();
    }

    private readonly Dictionary<long, StrategyOrders> _byStrategy = new();
    private readonly object _gate = new();
    private long _ordinal;
    // Signal ids for payloads that carry none (C2 gives every order one); far from the synthetic ids (100,001 up).
    private long _assignedSignalId = 900_000_000;

    /// <summary>Records one published message. Only strategy.signal messages are orders.</summary>
    public void Record(string channel, long strategyId, byte[] message)
    {
        if (channel != Wire.Signal) return;
        lock (_gate)
        {
            if (!_byStrategy.TryGetValue(strategyId, out var orders)) _byStrategy[strategyId] = orders = new StrategyOrders();
            orders.Raw.Add(message);
        }
    }

    /// <summary>Orders recorded for a strategy so far.</summary>
    public int Count(long strategyId)
    {
        lock (_gate) return _byStrategy.TryGetValue(strategyId, out var o) ? o.Raw.Count : 0;
    }

    /// <summary>Every order of a strategy, oldest first (a snapshot).</summary>
    public IReadOnlyList<OrderRecord> Orders(long strategyId)
    {
        lock (_gate)
        {
            if (!_byStrategy.TryGetValue(strategyId, out var o)) return Array.Empty<OrderRecord>();
            for (int i = o.Parsed.Count; i < o.Raw.Count; i++) o.Parsed.Add(Read(strategyId, o.Raw[i]));
            return o.Parsed.ToArray();
        }
    }

    /// <summary>Working orders: limit and stop orders among the last <paramref name="lookback"/> orders.</summary>
    public static bool IsWorking(IReadOnlyList<OrderRecord> all, int index, int lookback) =>
        index >= all.Count - lookback && all[index].OrderType is "2" or "3";

    /// <summary>Closed trades: an order that closes ("C") a symbol with an open order closes the oldest such open.</summary>
    public static List<ClosedTrade> ClosedTrades(IReadOnlyList<OrderRecord> orders)
    {
        var open = new Dictionary<string, Queue<OrderRecord>>(StringComparer.OrdinalIgnoreCase);
        var trades = new List<ClosedTrade>();
        foreach (var o in orders)
        {
            var symbol = o.FullSymbol ?? "";
            if (o.OpenClose == "C" && open.TryGetValue(symbol, out var q) && q.Count > 0)
                trades.Add(new ClosedTrade(8_000_000 + o.Ordinal, q.Dequeue(), o));
            else if (o.OpenClose != "C")
            {
                if (!open.TryGetValue(symbol, out q)) open[symbol] = q = new Queue<OrderRecord>();
                q.Enqueue(o);
            }
        }
        return trades;
    }

    // ------------------------------------------------------------------ payload (any vocabulary) -> REST v4 order

    private OrderRecord Read(long strategyId, byte[] message)
    {
        long ordinal = Interlocked.Increment(ref _ordinal);
        DateTimeOffset envelopeTime = DateTimeOffset.MinValue;
        JsonElement payload = default;
        JsonDocument? doc = null;
        try
        {
            doc = JsonDocument.Parse(message);
            var root = doc.RootElement;
            if (root.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String && ts.TryGetDateTimeOffset(out var t)) envelopeTime = t;
            if (root.TryGetProperty("payload", out var p) && p.ValueKind == JsonValueKind.Object) payload = p;
        }
        catch (JsonException) { }
        try
        {
            string? symbol = Text(payload, "symbol"), type = Text(payload, "symboltype");
            var c2 = Find(payload, "c2symbol");
            if (c2 is { ValueKind: JsonValueKind.Object } c2o)
            {
                symbol = Text(c2o, "fullsymbol") ?? symbol;
                type = Text(c2o, "symboltype") ?? type;
            }
            else if (c2 is { ValueKind: JsonValueKind.String } c2s) symbol = c2s.GetString();
            else if (symbol is not null && type == "future" && !symbol.StartsWith('@')) symbol = "@" + symbol;

            long signalId = Find(payload, "signalid") is { ValueKind: JsonValueKind.Number } sid && sid.TryGetInt64(out var id)
                ? id : Interlocked.Increment(ref _assignedSignalId);
            var posted = Find(payload, "posteddate", "postedat") is { ValueKind: JsonValueKind.String } pd && pd.TryGetDateTimeOffset(out var pt) ? pt : envelopeTime;
            return new OrderRecord(ordinal, strategyId, signalId, posted.ToUniversalTime(), symbol, type,
                Code(Text(payload, "side"), ("buy", "1"), ("b", "1"), ("sell", "2"), ("s", "2")),
                Code(Text(payload, "openclose", "action"), ("open", "O"), ("close", "C"), ("o", "O"), ("c", "C")),
                Code(Text(payload, "ordertype"), ("market", "1"), ("limit", "2"), ("stop", "3")),
                Number(payload, "orderquantity", "quantity"), Number(payload, "limit", "limitprice"), Number(payload, "stop", "stopprice"),
                Code(Text(payload, "tif"), ("day", "0"), ("gtc", "1")));
        }
        finally { doc?.Dispose(); }
    }

    /// <summary>A property by its name without underscores, in any letter case (signal_id, SignalId, signalId).</summary>
    private static JsonElement? Find(JsonElement obj, params string[] names)
    {
        if (obj.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in obj.EnumerateObject())
        {
            var n = p.Name.Replace("_", "", StringComparison.Ordinal);
            foreach (var want in names)
                if (string.Equals(n, want, StringComparison.OrdinalIgnoreCase)) return p.Value;
        }
        return null;
    }

    private static string? Text(JsonElement obj, params string[] names) => Find(obj, names) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };

    private static decimal? Number(JsonElement obj, params string[] names) => Find(obj, names) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetDecimal(out var d) => d,
        { ValueKind: JsonValueKind.String } s when decimal.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    /// <summary>A vocabulary word as C2's REST code ("buy" -> "1"); codes and unknown words pass as given.</summary>
    private static string? Code(string? value, params (string Word, string Code)[] map)
    {
        if (value is null) return null;
        foreach (var (w, c) in map)
            if (string.Equals(value, w, StringComparison.OrdinalIgnoreCase)) return c;
        return value;
    }
}
