using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.History;
using C2WebSocket.Rest;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Rest
{
    /// <summary>
    /// A long outage beyond the socket's retention, filled from history by the pieces the session loop will call
    /// (planner, the session's REST client, matcher): every published signal reaches the consumer once, from the stream or
    /// from history, never both. The session is real and so is its gap report; only the wiring is the test's.
    /// </summary>
    public class GapFillScenarioTests
    {
        private const long S = 12345678;

        private sealed class Outcome
        {
            public readonly List<C2StreamMessage> Stream = new();
            public C2DeliveryGap Gap = null!;
            public GapFillPlan Plan = null!;
            public GapFillMatch Match = null!;
            public List<C2RestRow> AllRows = new();
        }

        /// <summary>3 signals delivered, the connection lost while 40 are published (the socket keeps 10), 5 more live.</summary>
        private static async Task<Outcome> OutageAsync(Action<SimulatorOptions> configure, Func<int, object?> payload)
        {
            var o = new Outcome();
            await using var sim = await Sim.StartFastAsync(x => { x.MaxHistoryPerStream = 10; configure(x); });
            using var session = await Sim.OpenAsync(sim);
            await Sim.SubscribeAsync(session, S);
            var n = 0;
            void Publish(int count) { for (var i = 0; i < count; i++) { n++; sim.PublishSignal(S, payload(n)); } }

            Publish(3);
            for (var i = 0; i < 3; i++) o.Stream.Add(await Sim.NextAsync(session));
            sim.RejectNextHandshakes(1, 503);          // the first reconnect fails: the 40 are published while away
            sim.DropAllConnections();
            Publish(40);
            C2DeliveryGap? notice = null;
            while (notice == null)
            {
                var item = await Sim.NextItemAsync(session);
                if (item.Gap != null) notice = item.Gap;
                else { session.MarkProcessed(item.Message!); o.Stream.Add(item.Message!); }
            }
            Publish(5);
            while (o.Stream.Count(m => m.SeqId > 43) < 5) o.Stream.Add(await Sim.NextAsync(session));

            // The range as the stream tracker is to report it: after the last signal delivered before the hole, before the
            // first one after it, with their times. (Today's session sees the trimmed replay as a restarted sequence and
            // reports "seq_id 1 may be missing" instead: a finding for the session's rewrite, reported to the lead.)
            var ordered = o.Stream.OrderBy(m => m.SeqId).ToList();
            var at = Enumerable.Range(1, ordered.Count - 1).First(i => ordered[i].SeqId != ordered[i - 1].SeqId + 1);
            Assert.True(ordered[at].SeqId > 4, "the outage went beyond the socket's retention");
            o.Gap = new C2DeliveryGap(session.Id, C2DeliveryProblem.ReplayLimitExceeded, "strategy.signal", S, ordered[at - 1].SeqId, "Not replayable: beyond retention.")
            { BeforeSeqId = ordered[at].SeqId, From = ordered[at - 1].Timestamp, To = ordered[at].Timestamp };

            o.Plan = new HistoryFillPlanner().Plan(o.Gap);
            Assert.True(o.Plan.CanFill, o.Plan.Reason);
            var client = RestClients.For(session, null);
            var pager = new RestPager(client, o.Plan.Query!.Endpoint, o.Plan.Query.Parameters(), 7, S); // pages of 7: paging is part of it
            var rows = new List<C2RestRow>();
            while (!pager.Done) rows.AddRange((await pager.NextAsync(null, CancellationToken.None)).Rows);
            o.Match = OrderMatcher.Match(o.Plan.Query, rows, o.Stream);

            var all = new RestPager(client, RestEndpoints.HistoricalOrders, new[] { new KeyValuePair<string, string>("StrategyId", S.ToString(CultureInfo.InvariantCulture)) }, 1000, S);
            while (!all.Done) o.AllRows.AddRange((await all.NextAsync(null, CancellationToken.None)).Rows);
            Assert.Equal(48, o.AllRows.Count);
            return o;
        }

        private static long Id(C2StreamMessage m) => OrderFacts.FromSignal(m).SignalId ?? throw new InvalidOperationException("no signal id: " + m.RawJson);

        [Theory]
        [InlineData(PayloadVocabulary.SnakeCase)]
        [InlineData(PayloadVocabulary.RestV4)]
        [InlineData(PayloadVocabulary.NoStrategyId)]
        public async Task Every_published_signal_arrives_once_from_the_stream_or_from_history(PayloadVocabulary vocabulary)
        {
            var o = await OutageAsync(x => x.Vocabulary = vocabulary, _ => null);
            var streamIds = o.Stream.Select(Id).ToList();
            var historyIds = o.Match.Deliver.Select(d => d.Facts.SignalId!.Value).ToList();
            var published = o.AllRows.Select(r => OrderFacts.FromRow(r).SignalId!.Value).ToList();

            Assert.True(streamIds.Count < 48, "the outage lost signals on the socket: " + streamIds.Count + " delivered");
            Assert.Empty(streamIds.Intersect(historyIds));                            // never both
            Assert.Equal(published.OrderBy(x => x), streamIds.Concat(historyIds).OrderBy(x => x)); // each once
            Assert.Empty(o.Match.HeldBack);
            Assert.True(o.Match.MatchedBySignalId >= 2);                                  // at least the range's two bounds
            Assert.Equal(historyIds, historyIds.OrderBy(x => x));                        // in the order they were posted

            var report = GapFillReport.Completed(o.Plan, o.Match);
            Assert.StartsWith("Filled from history: " + historyIds.Count.ToString(CultureInfo.InvariantCulture) + " orders of strategy 12345678", report.Text);
            var filled = o.Match.Deliver.Select(d => C2Signal.FromHistory(d.Row, o.Gap, d.Facts.Time, DateTimeOffset.UtcNow, 0)).ToList();
            Assert.All(filled, f => { Assert.Equal("History", f.Source); Assert.Same(o.Gap, f.FilledGap); Assert.Null(f.SeqId); });
        }

        [Fact]
        public async Task Without_signal_ids_each_order_still_arrives_once_matched_by_time_symbol_side_and_quantity()
        {
            // Each order has its own quantity, so the test can tell them apart; the module only sees the fingerprint.
            var o = await OutageAsync(_ => { }, i => new { symbol = "ESZ6", side = i % 2 == 0 ? "buy" : "sell", quantity = i, posted_at = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) });
            var streamQty = o.Stream.Select(m => OrderFacts.FromSignal(m).Quantity!.Value).ToList();
            var historyQty = o.Match.Deliver.Select(d => d.Facts.Quantity!.Value).ToList();
            Assert.Empty(streamQty.Intersect(historyQty));
            Assert.Equal(Enumerable.Range(1, 48).Select(i => (decimal)i), streamQty.Concat(historyQty).OrderBy(x => x));
            Assert.Equal(0, o.Match.MatchedBySignalId);
            Assert.True(o.Match.MatchedByFingerprint >= 2);
            Assert.Contains(o.Match.Limitations, l => l.Contains("matched by time"));
        }

        [Fact]
        public async Task With_nothing_to_match_on_nothing_is_delivered_twice_and_what_is_held_back_is_reported()
        {
            var o = await OutageAsync(_ => { }, i => new { note = "opaque " + i.ToString(CultureInfo.InvariantCulture) });
            // The rows carry SignalIds the stream's payloads lack; everything was published within the slack of the range's
            // bounds, so no row can be shown to differ from the delivered signals: all are held back, none delivered twice.
            Assert.Empty(o.Match.Deliver);
            var held = 48 - o.Match.OutsideWindow;                                        // the live ones may come later than the slack
            Assert.True(held >= 43, held + " held back");
            Assert.Equal(held, o.Match.HeldBack.Count);
            var report = GapFillReport.Completed(o.Plan, o.Match);
            Assert.Contains(held.ToString(CultureInfo.InvariantCulture) + " orders not delivered because the module cannot tell whether the stream already delivered them", report.Text);
            Assert.Contains("nothing to match on", report.Text);
            Assert.Contains(o.Plan.CommandLine!, report.Text);
        }
    }
}
