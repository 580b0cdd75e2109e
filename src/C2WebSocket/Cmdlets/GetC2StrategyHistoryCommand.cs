using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using C2WebSocket.History;
using C2WebSocket.Rest;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Gets a strategy's past orders (or closed trades) from C2's REST API.</para></summary>
    [Cmdlet(VerbsCommon.Get, "C2StrategyHistory", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(C2RestRow))]
    public sealed class GetC2StrategyHistoryCommand : C2RestRowsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[] StrategyId { get; set; } = Array.Empty<long>();

        /// <summary>Orders posted at or after this time (a local time unless it says otherwise).</summary>
        [Parameter]
        public DateTime Since { get; set; }

        /// <summary>Orders posted at or before this time.</summary>
        [Parameter]
        public DateTime Until { get; set; }

        /// <summary>Closed trades (GetStrategyHistoricalClosedTrades) instead of orders.</summary>
        [Parameter]
        public SwitchParameter ClosedTrades { get; set; }

        /// <summary>Rows per page asked of the server (its Limit, at most 1000).</summary>
        [Parameter]
        [ValidateRange(1, RestPager.MaxLimit)]
        public int PageSize { get; set; } = RestPager.MaxLimit;

        protected override void ProcessRecord()
        {
            var since = Bound(nameof(Since)) ? Utc(Since) : (DateTimeOffset?)null;
            var until = Bound(nameof(Until)) ? Utc(Until) : (DateTimeOffset?)null;
            if (since.HasValue && until.HasValue && until < since)
                ThrowParameterError(nameof(Until), "-Until (" + Iso(until.Value) + ") is before -Since (" + Iso(since.Value) + ").");
            var client = ResolveClient();
            Func<C2RestRow, bool>? keep = since.HasValue || until.HasValue
                ? row => InWindow(OrderFacts.FromRow(row).Time, since, until)
                : (Func<C2RestRow, bool>?)null;
            foreach (var id in StrategyId)
            {
                var query = new List<KeyValuePair<string, string>> { Pair("StrategyId", id.ToString(CultureInfo.InvariantCulture)) };
                if (ClosedTrades)
                {
                    // Not paged and takes no dates (docs/protocol.md §11.1): -Since/-Until apply to each trade's CloseDate here.
                    if (keep != null) WriteVerbose(CmdletTexts.ClosedTradesNoDates);
                    WriteRows(client, RestEndpoints.ClosedTrades, id, query, null, keep, "closed trades");
                    continue;
                }
                if (since.HasValue) query.Add(Pair("StartDate", Iso(since.Value)));
                // EndDate rounded up to the millisecond, so an -Until with finer ticks loses nothing; rows are checked here too.
                if (until.HasValue) query.Add(Pair("EndDate", Iso(RoundUp(until.Value))));
                WriteRows(client, RestEndpoints.HistoricalOrders, id, query, PageSize, keep, "orders");
            }
        }

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        /// <summary>A DateTime as UTC: Local and Unspecified are local times (as Get-Date gives them), Utc stays.</summary>
        internal static DateTimeOffset Utc(DateTime t) => new DateTimeOffset(t.Kind == DateTimeKind.Utc ? t : t.ToUniversalTime(), TimeSpan.Zero);

        /// <summary>ISO 8601 UTC with milliseconds, as C2's REST API reads dates ("2026-11-30T08:31:44.120Z").</summary>
        internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private static DateTimeOffset RoundUp(DateTimeOffset t)
        {
            var extra = t.UtcTicks % TimeSpan.TicksPerMillisecond;
            return extra == 0 ? t : t.AddTicks(TimeSpan.TicksPerMillisecond - extra);
        }

        /// <summary>A row without a readable time is kept: it cannot be shown to be outside the window.</summary>
        internal static bool InWindow(DateTimeOffset? time, DateTimeOffset? since, DateTimeOffset? until) =>
            !time.HasValue || ((!since.HasValue || time.Value >= since.Value) && (!until.HasValue || time.Value <= until.Value));

        internal static KeyValuePair<string, string> Pair(string k, string v) => new KeyValuePair<string, string>(k, v);
    }
}
