using System;
using System.Collections.Generic;
using System.Globalization;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
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
}
