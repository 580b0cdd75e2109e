using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// Walks a cursor-paged REST method one page at a time (docs/protocol.md §11.1), so the caller can hand each page's rows on
    /// before the next is fetched. The rules: <c>Limit</c> is at most 1000; the next page is asked with the answer's
    /// <c>Pagination.next_cursor</c>, URL-decoded (the client encodes it again in the query); an empty, null or missing
    /// next_cursor is the end; a page with fewer rows than the Limit is not the end. A method that answers without
    /// Pagination (not paged) ends after its one answer. A server that hands back the cursor it was just given would loop
    /// for ever: that is an error.
    /// </summary>
    internal sealed class RestPager
    {
        public const int MaxLimit = 1000;

        private readonly C2RestClient _client;
        private readonly string _endpoint;
        private readonly List<KeyValuePair<string, string>> _query;
        private readonly int? _limit;
        private readonly long? _strategyId;
        private string? _cursor;

        /// <param name="query">The method's own parameters (StrategyId, StartDate, ...).</param>
        /// <param name="limit">Rows per page to ask for (sent as Limit, with AscendingOrder=true); null for a method that
        /// is not paged (nothing is added until an answer carries a cursor).</param>
        public RestPager(C2RestClient client, string endpoint, IEnumerable<KeyValuePair<string, string>> query, int? limit, long? strategyId)
        {
            if (limit.HasValue && (limit.Value < 1 || limit.Value > MaxLimit))
                throw new ArgumentOutOfRangeException(nameof(limit), "Limit is 1 to " + MaxLimit.ToString(CultureInfo.InvariantCulture) + ".");
            _client = client; _endpoint = endpoint; _limit = limit; _strategyId = strategyId;
            _query = new List<KeyValuePair<string, string>>(query);
            if (limit.HasValue)
            {
                _query.Add(new KeyValuePair<string, string>("Limit", limit.Value.ToString(CultureInfo.InvariantCulture)));
                _query.Add(new KeyValuePair<string, string>("AscendingOrder", "true"));
            }
        }

        /// <summary>Pages fetched so far.</summary>
        public int Pages { get; private set; }
        /// <summary>Rows fetched so far.</summary>
        public long Rows { get; private set; }
        /// <summary>The last answer marked the end (or was not paged).</summary>
        public bool Done { get; private set; }

        /// <summary>The next page; call while <see cref="Done"/> is false.</summary>
        public async Task<RestPage> NextAsync(TimeSpan? timeout, CancellationToken cancel)
        {
            if (Done) throw new InvalidOperationException("The last page was already read.");
            var query = new List<KeyValuePair<string, string>>(_query);
            if (_cursor != null) query.Add(new KeyValuePair<string, string>("Cursor", _cursor));
            var page = await _client.GetAsync(_endpoint, query, _strategyId, timeout, cancel).ConfigureAwait(false);
            Pages++;
            Rows += page.Rows.Count;
            page.Number = Pages;
            if (page.NextCursor == null) Done = true;
            else if (page.NextCursor == _cursor)
                throw new C2RestException(C2RestFailure.InvalidResponse, RestEndpoints.Name(_endpoint), new Uri(_client.BaseUri, _endpoint),
                    RestEndpoints.Name(_endpoint) + " answered page " + Pages.ToString(CultureInfo.InvariantCulture) + " with the cursor it was sent: paging would never end. " +
                    Rows.ToString(CultureInfo.InvariantCulture) + " row(s) were read before it.", 200);
            else _cursor = page.NextCursor;
            return page;
        }
    }
}
