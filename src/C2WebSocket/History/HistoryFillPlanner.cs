using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
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
