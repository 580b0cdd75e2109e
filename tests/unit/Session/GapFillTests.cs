using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using C2WebSocket.History;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;
using Xunit;
using static C2WebSocket.Tests.GapFillSamples;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The pure pieces of gap fill: the planner (range -> history query), the matcher (rows -> what to deliver,
    /// each order once), the report's words, and the objects a history row becomes.</summary>
    public class GapFillTests
    {
        private static HistoryQuery Query(C2DeliveryGap gap) => new HistoryFillPlanner().Plan(gap).Query!;

        private static IEnumerable<long?> Ids(IEnumerable<HistoryOrder> orders) => orders.Select(o => o.Facts.SignalId);

        // ------------------------------------------------------------------ planner

        [Fact]
        public void A_range_becomes_a_query_from_the_last_signal_before_it_to_the_first_after_it_widened_by_the_slack()
        {
            var plan = new HistoryFillPlanner().Plan(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90)));
            Assert.True(plan.CanFill);
            var q = plan.Query!;
            Assert.Equal(S, q.StrategyId);
            Assert.Equal(T0.AddSeconds(18), q.Since);
            Assert.Equal(T0.AddSeconds(92), q.Until);
            Assert.Equal(new[] { "StrategyId=12345678", "StartDate=2026-11-30T08:00:18.000Z", "EndDate=2026-11-30T08:01:32.000Z" },
                q.Parameters().Select(p => p.Key + "=" + p.Value));
            Assert.Equal("Get-C2StrategyHistory -StrategyId 12345678 -Since '2026-11-30T08:00:18.0000000Z' -Until '2026-11-30T08:01:32.0000000Z'", plan.CommandLine);
        }

        [Fact]
        public void While_the_stream_is_still_behind_the_window_is_open_on_the_right()
        {
            var plan = new HistoryFillPlanner(TimeSpan.FromSeconds(1)).Plan(Gap(3, null, T0.AddSeconds(20), null));
            Assert.True(plan.Query!.IsOpenEnded);
            Assert.Null(plan.Query.Until);
            Assert.Equal(2, plan.Query.Parameters().Count());                       // no EndDate
            Assert.True(plan.Query.Contains(T0.AddYears(1)));
            Assert.Equal("Get-C2StrategyHistory -StrategyId 12345678 -Since '2026-11-30T08:00:19.0000000Z'", plan.CommandLine);
        }

        [Fact]
        public void Positions_no_strategy_and_no_start_time_cannot_be_planned_and_say_why()
        {
            var planner = new HistoryFillPlanner();
            var positions = planner.Plan(Gap(3, 10, T0, T0.AddSeconds(9), channel: Channels.Positions));
            Assert.Equal(GapFillRefusal.NotSignals, positions.Refusal);
            Assert.Null(positions.CommandLine);
            Assert.Contains("not position updates", positions.Reason);

            Assert.Equal(GapFillRefusal.NoStrategy, planner.Plan(Gap(3, 10, T0, T0, strategy: null)).Refusal);

            var first = planner.Plan(Gap(3, 10, null, T0.AddSeconds(90)));
            Assert.Equal(GapFillRefusal.NoStartTime, first.Refusal);
            Assert.False(first.CanFill);
            Assert.Equal("Get-C2StrategyHistory -StrategyId 12345678 -Until '2026-11-30T08:01:30.0000000Z'", first.CommandLine);
        }

        [Fact]
        public void Timestamps_that_run_backwards_across_the_range_still_give_a_window_that_holds_it()
        {
            var q = Query(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(5)));
            Assert.Equal(T0.AddSeconds(20), q.HoleEnd);
            Assert.True(q.Contains(T0.AddSeconds(20)));
        }

        // ------------------------------------------------------------------ matcher

        /// <summary>Signals 101..111 posted every 10 s; the stream delivered 1-3 and 10-11 (seq = signal - 100), lost 4-9.</summary>
        private static (HistoryQuery Query, List<C2StreamMessage> Delivered, List<C2RestRow> Rows) Outage(Func<long, DateTimeOffset, string> payload, Func<long, DateTimeOffset, string> row)
        {
            var delivered = new List<C2StreamMessage>();
            foreach (var seq in new long[] { 1, 2, 3, 10, 11 }) delivered.Add(Signal(seq, T0.AddSeconds(10 * (seq - 1)), payload(100 + seq, T0.AddSeconds(10 * (seq - 1)))));
            var rows = Enumerable.Range(1, 11).Select(i => Row(row(100 + i, T0.AddSeconds(10 * (i - 1))))).ToList();
            return (Query(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90))), delivered, rows);
        }

        [Fact]
        public void Rows_are_matched_by_SignalId_in_snake_case_and_only_the_lost_ones_are_delivered_in_time_order()
        {
            var (q, delivered, rows) = Outage((id, t) => Snake(id, t), (id, t) => RestRow(id, t));
            rows.Reverse();                                                           // the server's order does not matter
            var m = OrderMatcher.Match(q, rows, delivered);
            Assert.Equal(new long?[] { 104, 105, 106, 107, 108, 109 }, Ids(m.Deliver));
            Assert.Equal(11, m.Fetched);
            Assert.Equal(2, m.MatchedBySignalId);                                     // 103 and 110, the range's bounds
            Assert.Equal(3, m.OutsideWindow);                                         // 101, 102 and 111: the server ignored the dates
            Assert.Empty(m.HeldBack);
            Assert.Empty(m.Limitations);
        }

        [Fact]
        public void Rows_are_matched_by_SignalId_in_CamelCase_REST_names_too()
        {
            var (q, delivered, rows) = Outage(
                (id, t) => "{\"StrategyId\":" + S + ",\"SignalId\":" + id + ",\"Side\":\"1\",\"OrderQuantity\":2,\"C2Symbol\":{\"FullSymbol\":\"@ESZ6\"},\"PostedAt\":\"" + Iso(t) + "\"}",
                (id, t) => RestRow(id, t).Replace("\"SignalId\"", "\"signalId\"").Replace("\"PostedDate\"", "\"postedDate\""));
            var m = OrderMatcher.Match(q, rows, delivered);
            Assert.Equal(new long?[] { 104, 105, 106, 107, 108, 109 }, Ids(m.Deliver));
            Assert.Equal(2, m.MatchedBySignalId);
        }

        [Fact]
        public void Without_a_signal_id_rows_are_matched_by_time_symbol_side_and_quantity_each_once()
        {
            // Two identical orders a moment apart: the stream delivered the first; the second was lost with the range.
            var delivered = new List<C2StreamMessage>
            {
                Signal(3, T0.AddSeconds(20), "{\"symbol\":\"ESZ6\",\"side\":\"buy\",\"quantity\":2,\"posted_at\":\"" + Iso(T0.AddSeconds(20)) + "\"}"),
                Signal(10, T0.AddSeconds(90), "{\"symbol\":\"NQZ6\",\"side\":\"sell\",\"quantity\":1,\"posted_at\":\"" + Iso(T0.AddSeconds(90)) + "\"}"),
            };
            var rows = new List<C2RestRow>
            {
                Row(RestRow(903, T0.AddSeconds(20))),                                 // = seq 3
                Row(RestRow(904, T0.AddSeconds(20.5))),                               // the same order again: lost
                Row(RestRow(905, T0.AddSeconds(50), "@NQZ6", "2", 1)),                // lost
                Row(RestRow(910, T0.AddSeconds(90), "@NQZ6", "2", 1)),                // = seq 10
                Row(RestRow(911, T0.AddSeconds(91), "@NQZ6", "2", 3)),                // another quantity: lost
            };
            var m = OrderMatcher.Match(Query(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90))), rows, delivered);
            Assert.Equal(new long?[] { 904, 905, 911 }, Ids(m.Deliver));
            Assert.Equal(2, m.MatchedByFingerprint);
            Assert.Equal(0, m.MatchedBySignalId);
            Assert.Contains(m.Limitations, l => l.Contains("carry no signal id"));
            Assert.Contains(m.Limitations, l => l.Contains("matched by time (within 2 s), symbol, side and quantity"));
        }

        [Fact]
        public void A_payload_without_a_posting_time_is_compared_by_its_messages_timestamp_within_the_tolerance()
        {
            var delivered = new List<C2StreamMessage> { Signal(3, T0.AddSeconds(21.5), "{\"symbol\":\"ESZ6\",\"side\":\"1\",\"quantity\":2}") };
            var rows = new List<C2RestRow> { Row(RestRow(903, T0.AddSeconds(20))), Row(RestRow(904, T0.AddSeconds(40))) };
            var m = OrderMatcher.Match(Query(Gap(3, null, T0.AddSeconds(21.5), null)), rows, delivered);
            Assert.Equal(new long?[] { 904 }, Ids(m.Deliver));
            Assert.Equal(1, m.MatchedByFingerprint);
            Assert.Contains(m.Limitations, l => l.Contains("the messages' timestamps"));

            var strict = OrderMatcher.Match(Query(Gap(3, null, T0.AddSeconds(21.5), null)), rows, delivered, tolerance: TimeSpan.FromSeconds(1));
            Assert.Equal(0, strict.MatchedByFingerprint);                             // 1.5 s apart is another order at a 1 s tolerance
            Assert.Equal(new long?[] { 903, 904 }, Ids(strict.Deliver));
        }

        [Fact]
        public void With_nothing_to_match_on_rows_near_a_delivered_signal_are_held_back_and_the_report_says_so()
        {
            var (q, delivered, rows) = Outage((id, t) => "{\"note\":\"opaque " + id + "\"}", (id, t) => RestRow(id, t));
            var m = OrderMatcher.Match(q, rows, delivered);
            Assert.Equal(new long?[] { 104, 105, 106, 107, 108, 109 }, Ids(m.Deliver));   // inside the range: nothing delivered near them
            Assert.Equal(new long?[] { 103, 110 }, Ids(m.HeldBack));                       // at the range's bounds: cannot tell
            Assert.All(m.HeldBack, h => Assert.Contains("cannot be compared", h.HeldBackBecause));
            Assert.Equal(0, m.AlreadyDelivered);
            var nothing = Assert.Single(m.Limitations, l => l.StartsWith("nothing to match on"));
            Assert.Contains("no symbol, side, quantity could be read from the stream's signals (their payload fields: note)", nothing);
        }

        [Fact]
        public void Different_SignalIds_are_different_orders_even_with_the_same_fingerprint()
        {
            var delivered = new List<C2StreamMessage> { Signal(3, T0.AddSeconds(20), Snake(103, T0.AddSeconds(20))) };
            var rows = new List<C2RestRow> { Row(RestRow(103, T0.AddSeconds(20))), Row(RestRow(555, T0.AddSeconds(20))) };
            var m = OrderMatcher.Match(Query(Gap(3, null, T0.AddSeconds(20), null)), rows, delivered);
            Assert.Equal(new long?[] { 555 }, Ids(m.Deliver));
            Assert.Equal(1, m.MatchedBySignalId);
            Assert.Equal(0, m.MatchedByFingerprint);
        }

        [Fact]
        public void Rows_before_the_sessions_record_of_delivered_signals_begins_are_held_back()
        {
            var rows = new List<C2RestRow> { Row(RestRow(103, T0.AddSeconds(19))), Row(RestRow(104, T0.AddSeconds(40))), Row("{\"SignalId\":105}") };
            var m = OrderMatcher.Match(Query(Gap(3, null, T0.AddSeconds(20), null)), rows, new List<C2StreamMessage>(), deliveredKnownSince: T0.AddSeconds(20));
            Assert.Equal(new long?[] { 104 }, Ids(m.Deliver));
            Assert.Equal(new long?[] { 103, 105 }, Ids(m.HeldBack));
            Assert.Contains("before this session's record of delivered signals begins", m.HeldBack[0].HeldBackBecause);
            Assert.Contains("carries no time", m.HeldBack[1].HeldBackBecause);
        }

        [Fact]
        public void Order_facts_read_either_vocabulary_in_any_case()
        {
            var snake = OrderFacts.FromSignal(Signal(1, T0, "{\"signal_id\":\"77\",\"symbol\":\"esz6\",\"side\":\"SELL\",\"quantity\":-3,\"posted_at\":\"" + Iso(T0.AddSeconds(-1)) + "\"}"));
            var rest = OrderFacts.FromRow(Row("{\"signalId\":77,\"c2Symbol\":{\"fullSymbol\":\"@ESZ6\"},\"side\":\"2\",\"orderQuantity\":3.0,\"postedDate\":\"" + Iso(T0.AddSeconds(-1)) + "\"}"));
            foreach (var f in new[] { snake, rest })
            {
                Assert.Equal(77, f.SignalId);
                Assert.Equal("ESZ6", f.Symbol);
                Assert.Equal(OrderSide.Sell, f.Side);
                Assert.Equal(3m, f.Quantity);
                Assert.Equal(T0.AddSeconds(-1), f.Time);
                Assert.Equal(OrderTimeSource.Posted, f.TimeSource);
                Assert.True(f.HasFingerprint);
            }
            var bare = OrderFacts.FromSignal(Signal(1, T0, "{\"x\":1}"));
            Assert.Equal(OrderTimeSource.Envelope, bare.TimeSource);
            Assert.Equal(new[] { "symbol", "side", "quantity" }, bare.MissingFingerprint());
        }

        // ------------------------------------------------------------------ report

        [Fact]
        public void The_report_says_filled_from_history_with_the_count_and_what_the_stream_had_delivered()
        {
            var (q, delivered, rows) = Outage((id, t) => Snake(id, t), (id, t) => RestRow(id, t));
            var plan = new HistoryFillPlanner().Plan(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90)));
            var report = GapFillReport.Completed(plan, OrderMatcher.Match(q, rows, delivered));
            Assert.Equal(GapFillOutcome.Filled, report.Outcome);
            Assert.Equal(6, report.Filled);
            Assert.Equal("Filled from history: 6 orders of strategy 12345678 posted from 2026-11-30T08:00:18.000Z to 2026-11-30T08:01:32.000Z " +
                         "(GetStrategyHistoricalOrders); 2 orders in that window had been delivered and were left out (matched by SignalId).", report.Text);

            var held = GapFillReport.Completed(plan, OrderMatcher.Match(q, rows, Outage((id, t) => "{}", (id, t) => RestRow(id, t)).Delivered));
            Assert.Contains("Filled from history: 6 orders", held.Text);
            Assert.Contains("2 orders not delivered because the module cannot tell whether the stream already delivered them", held.Text);
            Assert.Contains("check with Get-C2StrategyHistory -StrategyId 12345678 -Since", held.Text);
            Assert.Contains("Matching: ", held.Text);
        }

        [Fact]
        public void The_report_says_why_not_window_empty_not_allowed_or_REST_refused()
        {
            var plan = new HistoryFillPlanner().Plan(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90)));
            var empty = GapFillReport.Completed(plan, OrderMatcher.Match(plan.Query!, new List<C2RestRow>(), new List<C2StreamMessage>()));
            Assert.Equal(GapFillOutcome.WindowEmpty, empty.Outcome);
            Assert.Equal("Not filled from history: C2's REST history holds no orders of strategy 12345678 posted from 2026-11-30T08:00:18.000Z to 2026-11-30T08:01:32.000Z (window empty).", empty.Text);

            var uri = new Uri("https://api4-general.collective2.com/Strategies/GetStrategyHistoricalOrders");
            var forbidden = GapFillReport.Failed(plan, new C2RestException(C2RestFailure.Forbidden, "GetStrategyHistoricalOrders", uri, "C2's REST API refused GetStrategyHistoricalOrders (HTTP 403).", 403));
            Assert.Equal(GapFillOutcome.NotAllowed, forbidden.Outcome);
            Assert.StartsWith("Not filled from history: not allowed. C2's REST API refused", forbidden.Text);
            Assert.EndsWith("To fetch it later: " + plan.CommandLine, forbidden.Text);

            var failed = GapFillReport.Failed(plan, new C2RestException(C2RestFailure.ServerError, "GetStrategyHistoricalOrders", uri, "It broke.", 500));
            Assert.Equal(GapFillOutcome.RestRefused, failed.Outcome);
            Assert.StartsWith("Not filled from history: the REST request failed (ServerError). It broke.", failed.Text);
        }

        [Fact]
        public void With_gap_fill_off_the_report_carries_the_command_line_that_would_fill_the_range()
        {
            var planner = new HistoryFillPlanner();
            var off = GapFillReport.Disabled(planner.Plan(Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90))));
            Assert.Equal(GapFillOutcome.Disabled, off.Outcome);
            Assert.Equal("To fetch this range's orders from C2's REST history: Get-C2StrategyHistory -StrategyId 12345678 -Since '2026-11-30T08:00:18.0000000Z' -Until '2026-11-30T08:01:32.0000000Z'", off.Text);
            Assert.Contains("the time of the last signal delivered before the range is unknown", GapFillReport.Disabled(planner.Plan(Gap(3, 10, null, T0))).Text);
            var positions = GapFillReport.Disabled(planner.Plan(Gap(3, 10, T0, T0, channel: Channels.Positions)));
            Assert.Equal(GapFillOutcome.NotPlannable, positions.Outcome);
            Assert.StartsWith("Not filled from history: C2's REST history holds orders, not position updates", positions.Text);
        }

        // ------------------------------------------------------------------ the objects history rows become

        [Fact]
        public void A_history_row_becomes_a_signal_marked_History_with_the_range_it_fills()
        {
            var gap = Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90));
            var row = Row(RestRow(104, T0.AddSeconds(30)));
            var h = C2Signal.FromHistory(row, gap, OrderFacts.FromRow(row).Time, T0.AddHours(2), 5);
            Assert.Equal("History", h.Source);
            Assert.Same(gap, h.FilledGap);
            Assert.Null(h.SeqId);
            Assert.Equal("7000104", h.Id);
            Assert.Equal(T0.AddSeconds(30), h.Timestamp);
            Assert.Equal(S, h.StrategyId);
            Assert.Equal("strategy.signal", h.Channel);
            Assert.Equal(104L, h.Fields["SignalId"]);
            Assert.Equal(row.RawJson, h.RawJson);
            Assert.Equal("Stream", Signal(1, T0, "{}").Source);
            Assert.Null(Signal(1, T0, "{}").FilledGap);
        }
    }
}
