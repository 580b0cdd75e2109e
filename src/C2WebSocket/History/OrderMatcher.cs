using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace C2WebSocket.History
{
    /// <summary>
    /// Decides which REST order rows of a history query fill the range: an order is delivered once. A row is matched to a
    /// signal the stream delivered by SignalId where both carry one, else by time (within a tolerance), symbol, side and
    /// quantity; each delivered signal matches at most one row. An unmatched row is delivered only when the matcher can
    /// tell it apart from every delivered signal near its time and the caller's record of delivered signals covers its
    /// time; otherwise it is held back and the report says why. Pure: the same inputs give the same answer, so a caller
    /// with an open-ended window may match again as more of the stream is delivered.
    /// </summary>
    internal static class OrderMatcher
    {
        public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(2);

        /// <param name="delivered">The signals the stream delivered around the range: every one whose time falls in the
        /// query's window (more do no harm).</param>
        /// <param name="deliveredKnownSince">The time from which <paramref name="delivered"/> is complete (null: the whole
        /// window), e.g. when this session started after a checkpoint.</param>
        public static GapFillMatch Match(HistoryQuery query, IReadOnlyList<C2RestRow> rows, IReadOnlyList<C2StreamMessage> delivered,
            DateTimeOffset? deliveredKnownSince = null, TimeSpan? tolerance = null) =>
            Match(query, rows.Select((r, i) => new HistoryOrder(r, OrderFacts.FromRow(r), i)).ToList(),
                delivered.Select(OrderFacts.FromSignal).ToList(), deliveredKnownSince, tolerance ?? DefaultTolerance,
                delivered.Count > 0 ? delivered[0].Fields.Names.Take(delivered[0].Fields.Count) : Enumerable.Empty<string>());

        internal static GapFillMatch Match(HistoryQuery query, List<HistoryOrder> rows, List<OrderFacts> delivered, DateTimeOffset? knownSince,
            TimeSpan tolerance, IEnumerable<string> deliveredFieldNames)
        {
            var result = new GapFillMatch { Fetched = rows.Count };
            var used = new bool[delivered.Count];
            var unmatched = new List<HistoryOrder>();

            // 0. Rows outside the window asked for (a server that ignores the dates) take no part.
            var inWindow = rows.Where(r => !r.Facts.Time.HasValue || query.Contains(r.Facts.Time.Value)).ToList();
            result.OutsideWindow = rows.Count - inWindow.Count;

            // 1. SignalId: exact, one to one.
            var byId = new Dictionary<long, int>();
            for (var i = 0; i < delivered.Count; i++)
                if (delivered[i].SignalId is long id && !byId.ContainsKey(id)) byId[id] = i;
            foreach (var r in inWindow)
            {
                if (r.Facts.SignalId is long id && byId.TryGetValue(id, out var d) && !used[d]) { used[d] = true; result.MatchedBySignalId++; }
                else unmatched.Add(r);
            }

            // 2. Fingerprint, oldest row first, each to the nearest unused delivered signal in time.
            var pending = new List<HistoryOrder>();
            foreach (var r in unmatched.OrderBy(r => r.Facts.Time ?? DateTimeOffset.MaxValue).ThenBy(r => r.Index))
            {
                var best = -1;
                var bestGap = TimeSpan.MaxValue;
                for (var i = 0; i < delivered.Count; i++)
                {
                    if (used[i] || !SameOrder(r.Facts, delivered[i], tolerance)) continue;
                    var gap = (r.Facts.Time!.Value - delivered[i].Time!.Value).Duration();
                    if (gap < bestGap) { best = i; bestGap = gap; }
                }
                if (best >= 0) { used[best] = true; result.MatchedByFingerprint++; }
                else pending.Add(r);
            }

            // 3. The rest: deliver what is shown not to be delivered; hold back what cannot be told.
            var deliver = new List<HistoryOrder>();
            var held = new List<HistoryOrder>();
            foreach (var r in pending)
            {
                if (!r.Facts.Time.HasValue) { r.HeldBackBecause = "it carries no time, so its place in the stream is unknown"; held.Add(r); continue; }
                var t = r.Facts.Time.Value;
                if (knownSince.HasValue && t - tolerance < knownSince.Value)
                {
                    r.HeldBackBecause = "it was posted before " + HistoryQuery.IsoUtc(knownSince.Value) + ", before this session's record of delivered signals begins";
                    held.Add(r);
                    continue;
                }
                var blind = -1;
                for (var i = 0; i < delivered.Count && blind < 0; i++)
                    if (!used[i] && Near(delivered[i], t, tolerance) && !Comparable(r.Facts, delivered[i])) blind = i;
                if (blind >= 0)
                {
                    r.HeldBackBecause = "a signal the stream delivered at nearly the same time cannot be compared with it (" + Blindness(r.Facts, delivered[blind]) + ")";
                    held.Add(r);
                    continue;
                }
                deliver.Add(r);
            }
            result.Deliver = deliver.OrderBy(r => r.Facts.Time).ThenBy(r => r.Facts.SignalId ?? long.MaxValue).ThenBy(r => r.Index).ToList();
            result.HeldBack = held;
            result.Limitations = Limitations(inWindow, delivered, tolerance, deliveredFieldNames);
            return result;
        }

        /// <summary>The same order, on its own (no one-to-one pass before it): equal SignalIds when both carry one, else the
        /// same symbol, side and quantity within the tolerance.</summary>
        internal static bool IsSameOrder(OrderFacts a, OrderFacts b, TimeSpan tolerance) =>
            a.SignalId.HasValue && b.SignalId.HasValue ? a.SignalId == b.SignalId : SameOrder(a, b, tolerance);

        /// <summary>The same order: no two different SignalIds, and the same symbol, side and quantity within the tolerance.</summary>
        private static bool SameOrder(OrderFacts row, OrderFacts signal, TimeSpan tolerance)
        {
            if (row.SignalId.HasValue && signal.SignalId.HasValue) return false; // both have ids and step 1 found them different
            if (!row.HasFingerprint || !signal.HasFingerprint) return false;
            return row.Symbol == signal.Symbol && row.Side == signal.Side && row.Quantity == signal.Quantity &&
                   (row.Time!.Value - signal.Time!.Value).Duration() <= tolerance;
        }

        private static bool Comparable(OrderFacts row, OrderFacts signal) =>
            (row.SignalId.HasValue && signal.SignalId.HasValue) || (row.HasFingerprint && signal.HasFingerprint);

        private static bool Near(OrderFacts signal, DateTimeOffset t, TimeSpan tolerance) =>
            !signal.Time.HasValue || (signal.Time.Value - t).Duration() <= tolerance;

        private static string Blindness(OrderFacts row, OrderFacts signal)
        {
            var why = new List<string>();
            why.Add(!row.SignalId.HasValue ? "the row has no SignalId" : "the signal has no signal id");
            var missing = row.MissingFingerprint().Select(m => "the row's " + m).Concat(signal.MissingFingerprint().Select(m => "the signal's " + m)).ToList();
            if (missing.Count > 0) why.Add("no " + string.Join(", ", missing));
            return string.Join("; ", why);
        }

        private static List<string> Limitations(List<HistoryOrder> rows, List<OrderFacts> delivered, TimeSpan tolerance, IEnumerable<string> fieldNames)
        {
            var notes = new List<string>();
            if (rows.Count == 0 || delivered.Count == 0) return notes;
            var rowsWithoutId = rows.Count(r => !r.Facts.SignalId.HasValue);
            var signalsWithoutId = delivered.Count(d => !d.SignalId.HasValue);
            if (rowsWithoutId == 0 && signalsWithoutId == 0) return notes;
            if (signalsWithoutId > 0)
                notes.Add(signalsWithoutId.ToString(CultureInfo.InvariantCulture) + " of the stream's signals carry no signal id (signal_id or SignalId in the payload)");
            if (rowsWithoutId > 0)
                notes.Add(rowsWithoutId.ToString(CultureInfo.InvariantCulture) + " REST row(s) carry no SignalId");
            var signalGaps = delivered.SelectMany(d => d.MissingFingerprint()).Distinct().ToList();
            var rowGaps = rows.SelectMany(r => r.Facts.MissingFingerprint()).Distinct().ToList();
            if (signalGaps.Count == 0 && rowGaps.Count == 0)
            {
                var fromEnvelope = delivered.Any(d => d.TimeSource == OrderTimeSource.Envelope);
                notes.Add(string.Format(CultureInfo.InvariantCulture, "those were matched by time (within {0:0.###} s{1}), symbol, side and quantity",
                    tolerance.TotalSeconds, fromEnvelope ? ", the messages' timestamps: their payload names no posting time" : ""));
            }
            else
            {
                if (signalGaps.Count > 0)
                    notes.Add("nothing to match on: no " + string.Join(", ", signalGaps) + " could be read from the stream's signals (their payload fields: " +
                              string.Join(", ", fieldNames.DefaultIfEmpty("none")) + ")");
                if (rowGaps.Count > 0) notes.Add("no " + string.Join(", ", rowGaps) + " could be read from some REST rows");
            }
            return notes;
        }
    }
}
