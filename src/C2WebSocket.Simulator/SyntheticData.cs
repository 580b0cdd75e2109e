using System;
using System.Text.Json;

namespace C2WebSocket.Simulator;

/// <summary>Realistic-looking synthetic payloads in each <see cref="PayloadVocabulary"/>. The real C2 schema is
/// undocumented; all of them are modelled on the REST order/position DTOs (docs/protocol.md §7.3):
/// <list type="bullet">
/// <item><see cref="PayloadVocabulary.SnakeCase"/>: strategy_id, signal_id, symbol, symbol_type, side "buy"/"sell",
///   action "open"/"close", quantity, order_type "limit"/"market", limit_price, stop_price, tif "day", posted_at
///   (positions: strategy_id, symbol, symbol_type, quantity, avg_price, updated_at).</item>
/// <item><see cref="PayloadVocabulary.RestV4"/>: StrategyId, SignalId, Side "1"/"2", OrderType "1"/"2"/"3", OpenClose "O"/"C",
///   OrderQuantity, Limit, Stop (number or null), TIF "0"/"1", C2Symbol{FullSymbol,SymbolType}, PostedAt
///   (positions: StrategyId, Quantity (signed), AvgPx, C2Symbol, UpdatedAt).</item>
/// <item><see cref="PayloadVocabulary.NoStrategyId"/>: snake_case without strategy_id.</item>
/// </list>
/// Signals are padded with a "note" ("Note" in RestV4) field towards <see cref="SimulatorOptions.SyntheticPayloadBytes"/>.</summary>
internal sealed class SyntheticData
{
    private static readonly (string Symbol, string Type, double Price, double Tick)[] Instruments =
    {
        ("ESZ6", "future", 5012.25, 0.25), ("NQZ6", "future", 17850.5, 0.25), ("CLF7", "future", 71.42, 0.01),
        ("AAPL", "stock", 189.37, 0.01), ("MSFT", "stock", 412.11, 0.01), ("EURUSD", "forex", 1.0842, 0.0001),
    };

    private long _signalId = 100_000;

    public Action<Utf8JsonWriter> Signal(PayloadVocabulary vocabulary, long strategyId, DateTimeOffset now, int targetMessageBytes) =>
        vocabulary == PayloadVocabulary.RestV4
            ? RestSignal(strategyId, now, targetMessageBytes)
            : SnakeSignal(vocabulary != PayloadVocabulary.NoStrategyId, strategyId, now, targetMessageBytes);

    public Action<Utf8JsonWriter> Position(PayloadVocabulary vocabulary, long strategyId, DateTimeOffset now) =>
        vocabulary == PayloadVocabulary.RestV4
            ? RestPosition(strategyId, now)
            : SnakePosition(vocabulary != PayloadVocabulary.NoStrategyId, strategyId, now);

    private static double Near(double price, double tick) =>
        Math.Round(Math.Round((price + (Random.Shared.Next(-40, 41) * tick)) / tick) * tick, 6);

    private static int Quantity(string type)
    {
        var rnd = Random.Shared;
        return type == "stock" ? rnd.Next(1, 50) * 10 : type == "forex" ? rnd.Next(1, 10) * 10_000 : rnd.Next(1, 6);
    }

    // ~150 bytes of envelope + ~250 bytes of fields before padding.
    private static int Padding(int targetMessageBytes) => Math.Max(0, targetMessageBytes - 400);

    private Action<Utf8JsonWriter> SnakeSignal(bool withStrategyId, long strategyId, DateTimeOffset now, int targetMessageBytes)
    {
        var rnd = Random.Shared;
        var (symbol, type, price, tick) = Instruments[rnd.Next(Instruments.Length)];
        long signalId = System.Threading.Interlocked.Increment(ref _signalId);
        bool limit = rnd.Next(3) != 0;
        double px = Near(price, tick);
        string side = rnd.Next(2) == 0 ? "buy" : "sell";
        string action = rnd.Next(2) == 0 ? "open" : "close";
        int qty = Quantity(type);
        string posted = Wire.FormatTimestamp(now);
        int pad = Padding(targetMessageBytes);
        return w =>
        {
            w.WriteStartObject();
            if (withStrategyId) w.WriteNumber("strategy_id", strategyId);
            w.WriteNumber("signal_id", signalId);
            w.WriteString("symbol", symbol);
            w.WriteString("symbol_type", type);
            w.WriteString("side", side);
            w.WriteString("action", action);
            w.WriteNumber("quantity", qty);
            w.WriteString("order_type", limit ? "limit" : "market");
            if (limit) w.WriteNumber("limit_price", px); else w.WriteNull("limit_price");
            w.WriteNull("stop_price");
            w.WriteString("tif", "day");
            w.WriteString("posted_at", posted);
            if (pad > 0) w.WriteString("note", new string('x', pad));
            w.WriteEndObject();
        };
    }

    private static Action<Utf8JsonWriter> SnakePosition(bool withStrategyId, long strategyId, DateTimeOffset now)
    {
        var (symbol, type, price, tick) = Instruments[Random.Shared.Next(Instruments.Length)];
        int qty = Random.Shared.Next(-5, 6);
        double avg = Near(price, tick);
        string updated = Wire.FormatTimestamp(now);
        return w =>
        {
            w.WriteStartObject();
            if (withStrategyId) w.WriteNumber("strategy_id", strategyId);
            w.WriteString("symbol", symbol);
            w.WriteString("symbol_type", type);
            w.WriteNumber("quantity", qty);
            w.WriteNumber("avg_price", avg);
            w.WriteString("updated_at", updated);
            w.WriteEndObject();
        };
    }

    /// <summary>C2's native symbol: futures carry an "@" prefix ("@ESZ6"), stocks and forex are plain.</summary>
    private static string FullSymbol(string symbol, string type) => type == "future" ? "@" + symbol : symbol;

    private static void WriteC2Symbol(Utf8JsonWriter w, string symbol, string type)
    {
        w.WriteStartObject("C2Symbol");
        w.WriteString("FullSymbol", FullSymbol(symbol, type));
        w.WriteString("SymbolType", type);
        w.WriteEndObject();
    }

    private Action<Utf8JsonWriter> RestSignal(long strategyId, DateTimeOffset now, int targetMessageBytes)
    {
        var rnd = Random.Shared;
        var (symbol, type, price, tick) = Instruments[rnd.Next(Instruments.Length)];
        long signalId = System.Threading.Interlocked.Increment(ref _signalId);
        int orderType = rnd.Next(1, 4); // 1 market, 2 limit, 3 stop
        double px = Near(price, tick);
        string side = rnd.Next(2) == 0 ? "1" : "2";
        string openClose = rnd.Next(2) == 0 ? "O" : "C";
        string tif = rnd.Next(2) == 0 ? "0" : "1";
        int qty = Quantity(type);
        string posted = Wire.FormatTimestamp(now);
        int pad = Padding(targetMessageBytes);
        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("StrategyId", strategyId);
            w.WriteNumber("SignalId", signalId);
            w.WriteString("Side", side);
            w.WriteString("OrderType", orderType.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("OpenClose", openClose);
            w.WriteNumber("OrderQuantity", qty);
            if (orderType == 2) w.WriteNumber("Limit", px); else w.WriteNull("Limit");
            if (orderType == 3) w.WriteNumber("Stop", px); else w.WriteNull("Stop");
            w.WriteString("TIF", tif);
            WriteC2Symbol(w, symbol, type);
            w.WriteString("PostedAt", posted);
            if (pad > 0) w.WriteString("Note", new string('x', pad));
            w.WriteEndObject();
        };
    }

    private static Action<Utf8JsonWriter> RestPosition(long strategyId, DateTimeOffset now)
    {
        var (symbol, type, price, tick) = Instruments[Random.Shared.Next(Instruments.Length)];
        int qty = Random.Shared.Next(-5, 6);
        double avg = Near(price, tick);
        string updated = Wire.FormatTimestamp(now);
        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("StrategyId", strategyId);
            w.WriteNumber("Quantity", qty);
            w.WriteNumber("AvgPx", avg);
            WriteC2Symbol(w, symbol, type);
            w.WriteString("UpdatedAt", updated);
            w.WriteEndObject();
        };
    }
}
