using System;

namespace C2WebSocket.Simulator;

/// <summary>How the simulator's REST API answers (docs/protocol.md §11, §11.1). Read live, so tests may change them after
/// start. The REST API shares the WebSocket's port and keys; its history holds every strategy.signal ever published
/// (whatever the socket's replay still keeps).</summary>
public sealed class SimulatorRestOptions
{
    /// <summary>The casing of the response's names: <c>Results</c>, <c>ResponseStatus</c>, <c>ErrorCode</c> and every
    /// row field (<c>SignalId</c> or <c>signalId</c>). C2's spec pages show both. <c>Pagination</c>'s
    /// <c>next_cursor</c>/<c>prev_cursor</c> stay snake_case either way, as documented.</summary>
    public RestCasing Casing { get; set; } = RestCasing.Pascal;

    /// <summary>Most rows one page holds, whatever the client's <c>Limit</c>: below the client's Limit every page is
    /// short although more follow (the docs warn that a short page is not the end).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>The largest <c>Limit</c> accepted (documented: 1000); a larger one is refused with 400, field Limit.</summary>
    public int MaxLimit { get; set; } = 1000;

    /// <summary>How the last page says it is the last: <c>"next_cursor": null</c>, <c>""</c>, or no next_cursor key.</summary>
    public RestEndMarker EndMarker { get; set; } = RestEndMarker.Null;

    /// <summary>GetStrategyActiveOrders: limit and stop orders among the strategy's last this-many orders are working
    /// (OrderStatus "Working"); every other order is "Filled".</summary>
    public int ActiveOrderLookback { get; set; } = 10;
}

/// <summary>Name casing of REST responses.</summary>
public enum RestCasing
{
    /// <summary><c>Results</c>, <c>ResponseStatus</c>, <c>SignalId</c>, ...</summary>
    Pascal,
    /// <summary><c>results</c>, <c>responseStatus</c>, <c>signalId</c>, ...</summary>
    Camel,
}

/// <summary>The mark of the last page of a cursor-paged response.</summary>
public enum RestEndMarker
{
    /// <summary><c>"next_cursor": null</c>.</summary>
    Null,
    /// <summary><c>"next_cursor": ""</c>.</summary>
    Empty,
    /// <summary>No <c>next_cursor</c> key.</summary>
    Missing,
}

/// <summary>One request the REST API answered, for tests: never the key itself, only its hash.</summary>
public sealed record SimulatorRestRequest(
    DateTimeOffset At,
    string Method,
    string Path,
    string QueryString,
    string? AuthorizationScheme,
    string? ApiKeyHash,
    string? ContentType,
    string? Accept,
    string? AcceptEncoding,
    string? ContentEncoding,
    int Status);
