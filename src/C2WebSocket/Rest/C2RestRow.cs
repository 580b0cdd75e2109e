using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket
{
    /// <summary>
    /// One row of C2's REST API: an order (GetStrategyHistoricalOrders, GetStrategyActiveOrders) or a closed trade
    /// (GetStrategyHistoricalClosedTrades). The row stays as the server sent it; the PowerShell layer exposes every
    /// field by its REST name (<c>$_.SignalId</c>, <c>$_.C2Symbol.FullSymbol</c>), times as DateTimeOffset, the same
    /// rules as signal payloads (C2RestRowAdapter). Fields the docs do not list are passed through the same way.
    /// </summary>
    public sealed class C2RestRow
    {
        private readonly byte[] _utf8;
        private PayloadFields? _fields;

        internal C2RestRow(string endpoint, long? strategyId, byte[] utf8, DateTimeOffset receivedAt)
        {
            Endpoint = endpoint; QueriedStrategyId = strategyId; _utf8 = utf8; ReceivedAt = receivedAt;
        }

        // Internal, so that the row's properties are its REST fields only (PowerShell lists a public CLR property of an
        // adapted type after the adapter's); Endpoint is the hidden member of the same name (C2WebSocket.Types.ps1xml).

        /// <summary>The method the row came from: GetStrategyHistoricalOrders, GetStrategyActiveOrders, GetStrategyHistoricalClosedTrades.</summary>
        internal string Endpoint { get; }
        /// <summary>The strategy the request named.</summary>
        internal long? QueriedStrategyId { get; }
        /// <summary>When this client read the row (local clock, UTC).</summary>
        internal DateTimeOffset ReceivedAt { get; }

        /// <summary>The row exactly as the server sent it (the hidden member <c>RawJson</c> in PowerShell).</summary>
        internal string RawJson => Encoding.UTF8.GetString(_utf8);
        internal byte[] Utf8 => _utf8;

        /// <summary>The row's fields, decoded on first use.</summary>
        internal PayloadFields Fields => _fields ??= PayloadFields.Decode(_utf8, 0, _utf8.Length);

        /// <summary>PowerShell values built from this row (times, nested objects), kept across property reads.</summary>
        internal object?[]? Projections;

        public override string ToString()
        {
            var f = Fields;
            var id = f["SignalId"] ?? f["TradeId"] ?? f["Id"];
            return Endpoint + " " + (id is IFormattable fi ? fi.ToString(null, CultureInfo.InvariantCulture) : id?.ToString() ?? "row");
        }
    }
}

namespace C2WebSocket.Rest
{
    /// <summary>One answer of a REST method: its rows, and the cursor of the next page (null: this was the last).</summary>
    internal sealed class RestPage
    {
        public RestPage(IReadOnlyList<C2RestRow> rows, string? nextCursor, bool paginated)
        {
            Rows = rows; NextCursor = nextCursor; Paginated = paginated;
        }

        public IReadOnlyList<C2RestRow> Rows { get; }
        /// <summary>The next page's cursor, URL-decoded, ready to send back; null when the answer marked the end
        /// (next_cursor null, empty or missing) or was not paginated.</summary>
        public string? NextCursor { get; }
        /// <summary>The answer carried a Pagination object.</summary>
        public bool Paginated { get; }
        /// <summary>1 for the first page of a query.</summary>
        public int Number { get; internal set; }
        /// <summary>The retries this page took (429/503 with Retry-After or a backoff), for -Verbose.</summary>
        public IReadOnlyList<RestRetry> Retries { get; internal set; } = Array.Empty<RestRetry>();

        /// <summary>
        /// Reads an answer: <c>Results</c> in any casing (an array of rows; a single object is one row; a body that is
        /// itself an array is its rows), and <c>Pagination.next_cursor</c>. Returns null when the body is not JSON.
        /// </summary>
        public static RestPage? Parse(byte[] body, string endpoint, long? strategyId, DateTimeOffset receivedAt, out RestStatus? status)
        {
            status = null;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(body); }
            catch (JsonException) { return null; }
            using (doc)
            {
                var root = doc.RootElement;
                var rows = new List<C2RestRow>();
                JsonElement results = root;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    status = RestStatus.Read(root);
                    if (!RestJson.TryGet(root, "Results", out results)) results = default;
                }
                if (results.ValueKind == JsonValueKind.Array)
                {
                    foreach (var row in results.EnumerateArray())
                        if (row.ValueKind == JsonValueKind.Object) rows.Add(Row(row, endpoint, strategyId, receivedAt));
                }
                else if (results.ValueKind == JsonValueKind.Object) rows.Add(Row(results, endpoint, strategyId, receivedAt));

                string? next = null;
                var paginated = root.ValueKind == JsonValueKind.Object && RestJson.TryGet(root, "Pagination", out var pagination) && pagination.ValueKind == JsonValueKind.Object;
                if (paginated)
                {
                    RestJson.TryGet(root, "Pagination", out pagination);
                    var raw = RestJson.Text(pagination, "next_cursor");
                    // The cursor arrives URL-encoded and goes back decoded (docs/protocol.md §11.1); null, "" or no key = the end.
                    if (!string.IsNullOrEmpty(raw)) next = Uri.UnescapeDataString(raw);
                }
                return new RestPage(rows, next, paginated);
            }
        }

        private static C2RestRow Row(JsonElement row, string endpoint, long? strategyId, DateTimeOffset receivedAt) =>
            new C2RestRow(endpoint, strategyId, Encoding.UTF8.GetBytes(row.GetRawText()), receivedAt);
    }

    /// <summary>A retry the client made: after which status, how long it waited, and which attempt comes next.</summary>
    internal sealed class RestRetry
    {
        public RestRetry(string endpoint, int status, TimeSpan delay, bool fromRetryAfter, int nextAttempt, int maxAttempts)
        {
            Endpoint = endpoint; Status = status; Delay = delay; FromRetryAfter = fromRetryAfter; NextAttempt = nextAttempt; MaxAttempts = maxAttempts;
        }
        public string Endpoint { get; }
        public int Status { get; }
        public TimeSpan Delay { get; }
        public bool FromRetryAfter { get; }
        public int NextAttempt { get; }
        public int MaxAttempts { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{0} answered HTTP {1}; retrying in {2:0.###} s ({3}), attempt {4} of {5}.", Endpoint, Status, Delay.TotalSeconds,
            FromRetryAfter ? "as its Retry-After asks" : "backoff", NextAttempt, MaxAttempts);
    }
}
