using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace C2WebSocket.Simulator;

/// <summary>One field error of the documented error envelope.</summary>
internal readonly record struct RestFieldError(string ErrorCode, string? FieldName, string Message);

/// <summary>
/// Writes REST responses in the documented envelope (docs/protocol.md §11): <c>{"Results": [...], "ResponseStatus": {...},
/// "Pagination": {"prev_cursor", "next_cursor"}}</c>, names in <see cref="RestCasing"/> (Pagination's inner names stay
/// snake_case), and the order, active-order and closed-trade rows in C2's REST v4 names.
/// </summary>
internal sealed class RestRowWriter
{
    private readonly RestCasing _casing;

    public RestRowWriter(RestCasing casing) => _casing = casing;

    /// <summary>A Pascal name in the response's casing ("SignalId" or "signalId").</summary>
    public string N(string pascal) =>
        _casing == RestCasing.Camel && pascal.Length > 0 ? char.ToLowerInvariant(pascal[0]) + pascal.Substring(1) : pascal;

    /// <summary>A results page. <paramref name="pagination"/> null = an unpaginated method (no Pagination key);
    /// <paramref name="nextCursor"/> null = the end, marked as <paramref name="end"/> says.</summary>
    public byte[] Page(Action<Utf8JsonWriter, RestRowWriter> rows, bool pagination, string? prevCursor, string? nextCursor, RestEndMarker end)
    {
        return Write(w =>
        {
            w.WriteStartArray(N("Results"));
            rows(w, this);
            w.WriteEndArray();
            if (pagination)
            {
                w.WriteStartObject(N("Pagination"));
                if (prevCursor is null) w.WriteNull("prev_cursor"); else w.WriteString("prev_cursor", prevCursor);
                if (nextCursor is not null) w.WriteString("next_cursor", nextCursor);
                else if (end == RestEndMarker.Null) w.WriteNull("next_cursor");
                else if (end == RestEndMarker.Empty) w.WriteString("next_cursor", "");
                w.WriteEndObject();
            }
            w.WriteStartObject(N("ResponseStatus"));
            w.WriteEndObject();
        });
    }

    /// <summary>The documented error envelope: <c>{"ResponseStatus": {"ErrorCode", "Message", "Errors": [...]}}</c>.</summary>
    public byte[] Error(string errorCode, string message, IReadOnlyList<RestFieldError> errors) => Write(w =>
    {
        w.WriteStartObject(N("ResponseStatus"));
        w.WriteString(N("ErrorCode"), errorCode);
        w.WriteString(N("Message"), message);
        w.WriteStartArray(N("Errors"));
        foreach (var e in errors)
        {
            w.WriteStartObject();
            w.WriteString(N("ErrorCode"), e.ErrorCode);
            if (e.FieldName is null) w.WriteNull(N("FieldName")); else w.WriteString(N("FieldName"), e.FieldName);
            w.WriteString(N("Message"), e.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An order row (the order DTO of docs/protocol.md §11.1). Filled orders carry a fill; working ones do not.</summary>
    public void Order(Utf8JsonWriter w, OrderRecord o, bool working)
    {
        w.WriteStartObject();
        w.WriteNumber(N("Id"), 7_000_000 + o.Ordinal);
        w.WriteNumber(N("StrategyId"), o.StrategyId);
        w.WriteString(N("StrategyName"), "Simulated strategy " + o.StrategyId);
        w.WriteNumber(N("SignalId"), o.SignalId);
        Symbol(w, o);
        Str(w, "Side", o.Side);
        Str(w, "OpenClose", o.OpenClose);
        Str(w, "OrderType", o.OrderType);
        Num(w, "OrderQuantity", o.Quantity);
        Num(w, "Limit", o.Limit);
        Num(w, "Stop", o.Stop);
        Str(w, "TIF", o.Tif);
        w.WriteString(N("OrderStatus"), working ? "Working" : "Filled");
        Num(w, "FilledQuantity", working ? 0 : o.Quantity);
        Num(w, "AvgPx", working ? null : o.Limit ?? o.Stop);
        w.WriteString(N("PostedDate"), Wire.FormatTimestamp(o.Posted));
        w.WriteEndObject();
    }

    /// <summary>A closed-trade row: Id, TradeId, OpenDate, CloseDate and the trade's figures.</summary>
    public void Trade(Utf8JsonWriter w, ClosedTrade t)
    {
        var open = t.Open;
        w.WriteStartObject();
        w.WriteNumber(N("Id"), t.Number);
        w.WriteNumber(N("TradeId"), open.SignalId);
        w.WriteNumber(N("StrategyId"), open.StrategyId);
        Symbol(w, open);
        Str(w, "Side", open.Side);
        Num(w, "Quantity", open.Quantity);
        w.WriteString(N("OpenDate"), Wire.FormatTimestamp(open.Posted));
        w.WriteString(N("CloseDate"), Wire.FormatTimestamp(t.Close.Posted));
        Num(w, "OpenPrice", open.Limit ?? open.Stop);
        Num(w, "ClosePrice", t.Close.Limit ?? t.Close.Stop);
        w.WriteEndObject();
    }

    private void Symbol(Utf8JsonWriter w, OrderRecord o)
    {
        w.WriteStartObject(N("C2Symbol"));
        Str(w, "FullSymbol", o.FullSymbol);
        Str(w, "SymbolType", o.SymbolType);
        w.WriteEndObject();
    }

    private void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(N(name)); else w.WriteString(N(name), value);
    }

    private void Num(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is decimal d) w.WriteNumber(N(name), d); else w.WriteNull(N(name));
    }
}
