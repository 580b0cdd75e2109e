using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>
    /// Connect-C2Socket -FillGapsFromHistory: turns a range the socket cannot deliver into a REST history query and the
    /// orders found into signal objects (Source 'History') delivered once. Runs on the pipeline thread, inside
    /// Receive-C2Signal, when the reader reaches the range's report in the inbox (so the orders land at the range's
    /// place); the session loop is not involved. Per session it keeps, per strategy, the signals the stream delivered
    /// (the newest <see cref="RecordCapacity"/>), which the matcher compares the REST rows with, and the orders it
    /// delivered for a window that was still open on the right, so that the stream does not deliver them again.
    /// </summary>
    internal sealed class GapFiller
    {
        /// <summary>Signals remembered per strategy for matching (a range's window rarely spans more).</summary>
        public const int RecordCapacity = 4096;

        /// <summary>How far the stream must have moved past a filled order's posting time before it is forgotten: the
        /// planner's slack and the matcher's tolerance, each on one side of the two clocks.</summary>
        private static readonly TimeSpan Forgotten = HistoryFillPlanner.DefaultSlack + OrderMatcher.DefaultTolerance;

        private static readonly ConditionalWeakTable<C2Session, GapFiller> Table = new ConditionalWeakTable<C2Session, GapFiller>();

        private readonly Dictionary<long, Record> _records = new Dictionary<long, Record>();
        private readonly Dictionary<C2DeliveryGap, Writing> _writing = new Dictionary<C2DeliveryGap, Writing>();

        /// <summary>A filled range whose orders are not all written yet (-Count reached, or the pipeline stopped): the
        /// range goes back to the front of its stream's queue and the next read writes the rest, without asking again.</summary>
        internal sealed class Writing
        {
            public Writing(GapFillResult result) { Result = result; }
            public GapFillResult Result { get; }
            public int Written;
        }

        /// <summary>The range's fill in progress, if a read already asked history for it.</summary>
        public Writing? InProgress(C2DeliveryGap gap) => _writing.TryGetValue(gap, out var w) ? w : null;

        public Writing Begin(C2DeliveryGap gap, GapFillResult result) => _writing[gap] = new Writing(result);

        public void End(C2DeliveryGap gap) => _writing.Remove(gap);
        private readonly HistoryFillPlanner _planner = new HistoryFillPlanner();

        private sealed class Record
        {
            public readonly Queue<C2StreamMessage> Delivered = new Queue<C2StreamMessage>();
            public bool Evicted;
            /// <summary>Orders delivered from history that the stream may still bring (it had not delivered them when the
            /// range was filled, and they were not queued yet): the newest <see cref="RecordCapacity"/>.</summary>
            public readonly List<OrderFacts> Filled = new List<OrderFacts>();
        }

        public static GapFiller For(C2Session session) => Table.GetValue(session, _ => new GapFiller());

        /// <summary>Remembers a signal the stream delivered to the pipeline.</summary>
        public void Delivered(C2StreamMessage message)
        {
            if (message.Channel != Channels.Signal || !message.StrategyId.HasValue || message.Source != C2StreamMessage.SourceStream) return;
            var r = Get(message.StrategyId.Value);
            r.Delivered.Enqueue(message);
            if (r.Delivered.Count > RecordCapacity) { r.Delivered.Dequeue(); r.Evicted = true; }
        }

        /// <summary>True for a stream signal that is an order already delivered from history (the range was filled before
        /// the stream brought it): the reader passes it over (counted as processed), so the order arrives once.</summary>
        public bool AlreadyFilled(C2StreamMessage message)
        {
            if (message.Channel != Channels.Signal || !message.StrategyId.HasValue) return false;
            if (!_records.TryGetValue(message.StrategyId.Value, out var r) || r.Filled.Count == 0) return false;
            var facts = OrderFacts.FromSignal(message);
            // The stream delivers in posting order: an order filled from history that was posted well before this signal
            // (beyond both clocks' tolerance) will not come any more. Forgetting it keeps this check off the hot path once
            // the stream has caught up (otherwise every later signal would be compared with every filled order).
            if (facts.Time is DateTimeOffset now)
                r.Filled.RemoveAll(f => f.Time is DateTimeOffset t && t + Forgotten < now);
            for (var i = 0; i < r.Filled.Count; i++)
            {
                if (!OrderMatcher.IsSameOrder(r.Filled[i], facts, OrderMatcher.DefaultTolerance)) continue;
                r.Filled.RemoveAt(i);
                return true;
            }
            return false;
        }

        /// <summary>The report of a range when gap fill is off: the command that would fill it.</summary>
        public GapFillReport Describe(C2DeliveryGap gap) => GapFillReport.Disabled(_planner.Plan(gap));

        /// <summary>Asks C2's REST history for the range's window and decides what to deliver. Blocking (the pipeline
        /// thread waits, as for any web cmdlet); <paramref name="cancel"/> is the command's stop token.</summary>
        public GapFillResult Fill(C2Session session, C2DeliveryGap gap, Action<string> verbose, CancellationToken cancel)
        {
            var plan = _planner.Plan(gap);
            if (!plan.CanFill) return new GapFillResult(Array.Empty<C2Signal>(), GapFillReport.NotPlanned(plan));
            var query = plan.Query!;
            var rows = new List<C2RestRow>();
            try
            {
                var client = RestClients.For(session, session.Options.RestUri);
                var pager = new RestPager(client, query.Endpoint, query.Parameters(), RestPager.MaxLimit, query.StrategyId);
                while (!pager.Done)
                {
                    var page = pager.NextAsync(null, cancel).GetAwaiter().GetResult();
                    rows.AddRange(page.Rows);
                    verbose("history page " + pager.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture) + " for " + gap + ": " +
                            page.Rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " row(s)");
                }
            }
            catch (C2RestException ex)
            {
                return new GapFillResult(Array.Empty<C2Signal>(), GapFillReport.Failed(plan, ex));
            }
            catch (InvalidOperationException ex)
            {
                // The session ended, or its address would send the key in the clear: REST refused before any request.
                var restBase = session.Options.RestUri != null ? RestEndpoints.Normalize(session.Options.RestUri) : RestEndpoints.FromSocket(session.Uri);
                return new GapFillResult(Array.Empty<C2Signal>(), GapFillReport.Failed(plan,
                    new C2RestException(C2RestFailure.ConnectFailed, query.Endpoint, restBase, ex.Message, inner: ex)));
            }

            var r = Get(query.StrategyId);
            var record = r.Delivered.ToList();
            var knownSince = KnownSince(r, record, gap);
            var before = rows.Count;
            rows = Resume(session, gap, rows, ref knownSince, verbose);
            var earlier = before - rows.Count;
            // What the stream delivered, and what it queued after the range (it will deliver that next): an order in
            // either is not fetched from history.
            var delivered = record.Concat(session.Inbox.Queued(new StreamKey(Channels.Signal, query.StrategyId))).ToList();
            var match = OrderMatcher.Match(query, rows, delivered, knownSince);
            match.MatchedByCheckpoint = earlier;
            match.Fetched += earlier;
            var now = session.Options.TimeProvider.GetUtcNow();
            var orders = match.Deliver.Select(d => C2Signal.FromHistory(d.Row, gap, d.Facts.Time, now, 0)).ToList();
            // The stream may still bring some of them (it was behind, or its next messages were not queued yet).
            r.Filled.AddRange(match.Deliver.Select(d => d.Facts));
            if (r.Filled.Count > RecordCapacity) r.Filled.RemoveRange(0, r.Filled.Count - RecordCapacity);
            return new GapFillResult(orders, GapFillReport.Completed(plan, match));
        }

        /// <summary>From when the record of delivered signals is complete for this range. The stream delivered nothing of
        /// the strategy after <see cref="C2DeliveryGap.From"/> before the range (that is what From means); what this
        /// session delivered is all in the record unless the oldest was forgotten. So: the whole window when the record
        /// reaches back to From and forgot nothing, else the later of From and the oldest remembered signal.</summary>
        private static DateTimeOffset? KnownSince(Record r, List<C2StreamMessage> delivered, C2DeliveryGap gap)
        {
            var oldest = delivered.Count > 0 ? delivered[0].Timestamp : null;
            if (!r.Evicted && oldest.HasValue && gap.From.HasValue && oldest.Value <= gap.From.Value) return null;
            if (r.Evicted && oldest.HasValue) return gap.From.HasValue && gap.From.Value > oldest.Value ? gap.From : oldest;
            return gap.From;
        }

        /// <summary>What the checkpoint knows of where the range begins, for a session that did not deliver the signal
        /// before it (a later run): the rows up to the last signal processed before the range (found by its order id among
        /// the rows, which C2 lists by posting time) and the history orders a run already wrote for the range (up to
        /// their posting time) are left out; with the first found, the rest of the window needs no record of its own.</summary>
        private static List<C2RestRow> Resume(C2Session session, C2DeliveryGap gap, List<C2RestRow> rows, ref DateTimeOffset? knownSince, Action<string> verbose)
        {
            var saved = session.Checkpoint?.Store.Get(new StreamKey(Channels.Signal, gap.StrategyId));
            if (!saved.HasValue || saved.Value.Seq != gap.AfterSeqId) return rows;
            if (saved.Value.OrderId is long last)
            {
                var at = rows.FindIndex(row => OrderFacts.FromRow(row).SignalId == last);
                if (at >= 0)
                {
                    verbose("the checkpoint's last signal before the range (signal id " + last.ToString(System.Globalization.CultureInfo.InvariantCulture) +
                            ") is history row " + (at + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "; the rows up to it were delivered before the range");
                    rows = rows.Skip(at + 1).ToList();
                    knownSince = null;
                }
            }
            if (saved.Value.HistoryThrough is DateTimeOffset through)
            {
                // Through the last order written, found by its SignalId; without one, the orders posted before its time
                // (one posted at the same instant may come again: never one lost).
                var written = saved.Value.HistoryOrderId is long id ? rows.FindIndex(row => OrderFacts.FromRow(row).SignalId == id) : -1;
                var kept = written >= 0 ? rows.Skip(written + 1).ToList()
                    : rows.Where(row => !(OrderFacts.FromRow(row).Time is DateTimeOffset t) || t >= through).ToList();
                if (kept.Count < rows.Count)
                    verbose((rows.Count - kept.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) + " history order(s) of this range posted up to " +
                            HistoryQuery.IsoUtc(through) + " were written by an earlier run (the checkpoint says so); not written again");
                rows = kept;
            }
            return rows;
        }

        private Record Get(long strategyId)
        {
            if (!_records.TryGetValue(strategyId, out var r)) _records[strategyId] = r = new Record();
            return r;
        }
    }
}
