using System;
using System.Text.Json;

namespace C2WebSocket.Simulator;

/// <summary>Realistic-looking snake_case payloads. The real C2 schema is undocumented; these are
/// modelled on the REST order/position DTOs (see protocol reference §7.3).</summary>
internal sealed class SyntheticData
{
    private static readonly (string Symbol, string Type, double Price, double Tick)[] Instruments =
    {
        ("ESZ6", "future", 5012.25, 0.25), ("NQZ6", "future", 17850.5, 0.25), ("CLF7", "future", 71.42, 0.01),
        ("AAPL", "stock", 189.37, 0.01), ("MSFT", "stock", 412.11, 0.01), ("EURUSD", "forex", 1.0842, 0.0001),
    };

    private long _signalId = 100_000;

    public Action<Utf8JsonWriter> Signal(long strategyId, DateTimeOffset now, int targetMessageBytes)
    {
        var rnd = Random.Shared;
        var (symbol, type, price, tick) = Instruments[rnd.Next(Instruments.Length)];
        long signalId = System.Threading.Interlocked.Increment(ref _signalId);
        bool limit = rnd.Next(3) != 0;
        double px = Math.Round((price + (rnd.Next(-40, 41) * tick)) / tick) * tick;
        string side = rnd.Next(2) == 0 ? "buy" : "sell";
        string action = rnd.Next(2) == 0 ? "open" : "close";
        int qty = type == "stock" ? rnd.Next(1, 50) * 10 : type == "forex" ? rnd.Next(1, 10) * 10_000 : rnd.Next(1, 6);
        string posted = Wire.FormatTimestamp(now);
        // ~150 bytes of envelope + ~250 bytes of fields before padding.
        int pad = Math.Max(0, targetMessageBytes - 400);
        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("strategy_id", strategyId);
            w.WriteNumber("signal_id", signalId);
            w.WriteString("symbol", symbol);
            w.WriteString("symbol_type", type);
            w.WriteString("side", side);
            w.WriteString("action", action);
            w.WriteNumber("quantity", qty);
            w.WriteString("order_type", limit ? "limit" : "market");
            if (limit) w.WriteNumber("limit_price", Math.Round(px, 6)); else w.WriteNull("limit_price");
            w.WriteNull("stop_price");
            w.WriteString("tif", "day");
            w.WriteString("posted_at", posted);
            if (pad > 0) w.WriteString("note", new string('x', pad));
            w.WriteEndObject();
        };
    }

    public Action<Utf8JsonWriter> Position(long strategyId, DateTimeOffset now)
    {
        var rnd = Random.Shared;
        var (symbol, type, price, tick) = Instruments[rnd.Next(Instruments.Length)];
        int qty = rnd.Next(-5, 6);
        double avg = Math.Round((price + (rnd.Next(-40, 41) * tick)) / tick) * tick;
        string updated = Wire.FormatTimestamp(now);
        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("strategy_id", strategyId);
            w.WriteString("symbol", symbol);
            w.WriteString("symbol_type", type);
            w.WriteNumber("quantity", qty);
            w.WriteNumber("avg_price", Math.Round(avg, 6));
            w.WriteString("updated_at", updated);
            w.WriteEndObject();
        };
    }
}
