using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

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
}
