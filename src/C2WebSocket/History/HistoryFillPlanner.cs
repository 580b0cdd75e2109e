using System;
using System.Collections.Generic;
using System.Globalization;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>Why a range cannot be made into a history query.</summary>
    internal enum GapFillRefusal
    {
        None,
        /// <summary>A strategy.positions range: C2's REST history holds orders, not position updates.</summary>
        NotSignals,
        /// <summary>The range names no strategy (a message that named none on a connection of several).</summary>
        NoStrategy,
        /// <summary>The time of the last signal delivered before the range is unknown (nothing was delivered before it in
        /// this session and the checkpoint holds no time), so no window can say which orders are in it.</summary>
        NoStartTime,
    }

    /// <summary>
    /// The history query for one range: GetStrategyHistoricalOrders for <see cref="StrategyId"/> from
    /// <see cref="Since"/> to <see cref="Until"/> (null: open-ended, up to now, while the stream is still behind). The
    /// window is the range's own (<see cref="HoleStart"/>, the last signal delivered before it, to <see cref="HoleEnd"/>,
    /// the first one after it) widened by the planner's slack on both sides, because those bounds are message timestamps
    /// and a REST row's PostedDate may differ from its message's timestamp; the matcher takes out what the stream delivered.
    /// </summary>
    internal sealed class HistoryQuery
    {
        internal HistoryQuery(long strategyId, DateTimeOffset holeStart, DateTimeOffset? holeEnd, TimeSpan slack)
        {
            // Timestamps that run backwards across the range (a server clock step) still give a window that holds it.
            if (holeEnd < holeStart) holeEnd = holeStart;
            StrategyId = strategyId; HoleStart = holeStart; HoleEnd = holeEnd; Slack = slack;
            Since = holeStart - slack;
            Until = holeEnd + slack;
        }

        public long StrategyId { get; }
        public DateTimeOffset HoleStart { get; }
        public DateTimeOffset? HoleEnd { get; }
        public TimeSpan Slack { get; }
        public DateTimeOffset Since { get; }
        /// <summary>Null: open-ended (the first signal after the range has not been delivered yet).</summary>
        public DateTimeOffset? Until { get; }
        public bool IsOpenEnded => !Until.HasValue;
        public string Endpoint => RestEndpoints.HistoricalOrders;

        /// <summary>The request's parameters (its pager adds Limit, AscendingOrder and Cursor).</summary>
        public IEnumerable<KeyValuePair<string, string>> Parameters()
        {
            yield return new KeyValuePair<string, string>("StrategyId", StrategyId.ToString(CultureInfo.InvariantCulture));
            yield return new KeyValuePair<string, string>("StartDate", IsoUtc(Since));
            if (Until.HasValue) yield return new KeyValuePair<string, string>("EndDate", IsoUtc(Until.Value));
        }

        /// <summary>True when <paramref name="time"/> is inside the window asked for.</summary>
        public bool Contains(DateTimeOffset time) => time >= Since && (!Until.HasValue || time <= Until.Value);

        internal static string IsoUtc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

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

    /// <summary>
    /// Makes a range the socket cannot deliver (a server gap, a retention hole, a first run beyond retention, an overflow
    /// that could not be fetched again: any <see cref="C2DeliveryGap"/> of strategy.signal) into a history query for its
    /// strategy and time window. Pure: the same range gives the same plan. Plan again when the range's upper bound
    /// (<see cref="C2DeliveryGap.To"/>) becomes known, to close an open-ended window.
    /// </summary>
    internal sealed class HistoryFillPlanner
    {
        /// <summary>The default widening of the window on each side: message timestamps against REST posting times.</summary>
        public static readonly TimeSpan DefaultSlack = TimeSpan.FromSeconds(2);

        public HistoryFillPlanner(TimeSpan? slack = null)
        {
            Slack = slack ?? DefaultSlack;
            if (Slack < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(slack));
        }

        public TimeSpan Slack { get; }

        public GapFillPlan Plan(C2DeliveryGap gap)
        {
            if (gap.Channel != Channels.Signal)
                return new GapFillPlan(gap, null, GapFillRefusal.NotSignals,
                    "C2's REST history holds orders, not position updates (" + gap.Channel + "); refresh positions from the REST API instead");
            if (!gap.StrategyId.HasValue)
                return new GapFillPlan(gap, null, GapFillRefusal.NoStrategy, "the range names no strategy, so there is no strategy to ask C2's REST history about");
            if (!gap.From.HasValue)
                return new GapFillPlan(gap, null, GapFillRefusal.NoStartTime,
                    "the time of the last signal delivered before the range is unknown, so no time window can hold exactly its orders");
            return new GapFillPlan(gap, new HistoryQuery(gap.StrategyId.Value, gap.From.Value, gap.To, Slack), GapFillRefusal.None, null);
        }
    }
}
