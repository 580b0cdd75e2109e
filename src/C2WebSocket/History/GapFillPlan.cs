using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>A range and what the planner made of it: a query, or why none (with what a user can still run).</summary>
    internal sealed class GapFillPlan
    {
        internal GapFillPlan(C2DeliveryGap gap, HistoryQuery? query, GapFillRefusal refusal, string? reason)
        {
            Gap = gap; Query = query; Refusal = refusal; Reason = reason;
        }

        public C2DeliveryGap Gap { get; }
        public HistoryQuery? Query { get; }
        public bool CanFill => Query != null;
        public GapFillRefusal Refusal { get; }
        /// <summary>Why there is no query, in words (null when there is one).</summary>
        public string? Reason { get; }

        /// <summary>The Get-C2StrategyHistory command that fetches the range's orders (the query's window; with no query,
        /// what is known of it), or null for a range that has no orders to fetch (positions, no strategy).</summary>
        public string? CommandLine => Query != null
            ? GapFillText.CommandLine(Query.StrategyId, Query.Since, Query.Until)
            : Refusal == GapFillRefusal.NoStartTime && Gap.StrategyId.HasValue ? GapFillText.CommandLine(Gap.StrategyId.Value, null, Gap.To) : null;
    }
}
