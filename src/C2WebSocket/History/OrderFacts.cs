using System;
using System.Collections.Generic;
using System.Globalization;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>
    /// What matching an order needs, read from a REST row or a signal's payload without knowing the payload's schema
    /// (docs/protocol.md §7, §13.2): names are compared ignoring letter case and underscores, so C2's REST v4 names and
    /// snake_case both match (SignalId / signal_id, OrderQuantity / quantity, C2Symbol.FullSymbol / symbol, Side "1"/"2" or
    /// "buy"/"sell", PostedDate / posted_at). Symbols are compared without C2's "@" futures prefix and letter case.
    /// </summary>
    internal sealed class OrderFacts
    {
        private static readonly string[] SignalIdNames = { "SignalId" };
        private static readonly string[] TimeNames = { "PostedDate", "PostedAt", "PostedTime", "CreatedDate", "CreatedAt", "CloseDate", "OpenDate" };
        private static readonly string[] QuantityNames = { "OrderQuantity", "Quantity", "Qty" };
        private static readonly string[] SideNames = { "Side", "Action" };

        private OrderFacts() { }

        public long? SignalId { get; private set; }
        public DateTimeOffset? Time { get; private set; }
        public OrderTimeSource TimeSource { get; private set; }
        /// <summary>Upper case, without C2's "@" futures prefix.</summary>
        public string? Symbol { get; private set; }
        public OrderSide? Side { get; private set; }
        /// <summary>Unsigned.</summary>
        public decimal? Quantity { get; private set; }

        /// <summary>Time, symbol, side and quantity are all known: the order can be matched without a SignalId.</summary>
        public bool HasFingerprint => Time.HasValue && Symbol != null && Side.HasValue && Quantity.HasValue;

        /// <summary>The fingerprint's fields that could not be read ("time", "symbol", "side", "quantity").</summary>
        public IEnumerable<string> MissingFingerprint()
        {
            if (!Time.HasValue) yield return "time";
            if (Symbol == null) yield return "symbol";
            if (!Side.HasValue) yield return "side";
            if (!Quantity.HasValue) yield return "quantity";
        }

        /// <summary>The facts of a REST row (order or closed trade).</summary>
        public static OrderFacts FromRow(C2RestRow row) => Read(row.Fields, null);

        /// <summary>The facts of a delivered signal: its payload, and its envelope timestamp when the payload has no time.</summary>
        public static OrderFacts FromSignal(C2StreamMessage message) => Read(message.Fields, message.Timestamp);

        /// <summary>Only the signal id of a delivered signal (what the checkpoint keeps of it for gap fill).</summary>
        public static long? SignalIdOf(C2StreamMessage message) => Long(Find(message.Fields, SignalIdNames));

        internal static OrderFacts Read(PayloadFields f, DateTimeOffset? envelopeTime)
        {
            var facts = new OrderFacts { SignalId = Long(Find(f, SignalIdNames)), Quantity = Number(Find(f, QuantityNames)) };
            if (facts.Quantity < 0) facts.Quantity = -facts.Quantity;
            var time = ReadTime(Find(f, TimeNames));
            if (time.HasValue) { facts.Time = time; facts.TimeSource = OrderTimeSource.Posted; }
            else if (envelopeTime.HasValue) { facts.Time = envelopeTime; facts.TimeSource = OrderTimeSource.Envelope; }
            facts.Symbol = NormalizeSymbol(SymbolText(f));
            foreach (var name in SideNames)
            {
                facts.Side = ParseSide(Find(f, name));
                if (facts.Side.HasValue) break;
            }
            return facts;
        }

        /// <summary>The value of the first field present, by any of the names (letter case and underscores ignored).</summary>
        internal static object? Find(PayloadFields f, params string[] names)
        {
            foreach (var name in names)
                for (var i = 0; i < f.Count; i++)
                    if (RestJson.SameName(f.Names[i], name)) { var v = f.Value(i); if (v != null) return v; }
            return null;
        }

        private static string? SymbolText(PayloadFields f)
        {
            switch (Find(f, "C2Symbol"))
            {
                case PayloadFields nested when Find(nested, "FullSymbol", "Symbol") is string full: return full;
                case string plain: return plain;
            }
            if (Find(f, "Symbol", "FullSymbol") is string s) return s;
            return Find(f, "ExchangeSymbol") is PayloadFields ex && Find(ex, "Symbol") is string root ? root : null;
        }

        internal static string? NormalizeSymbol(string? symbol)
        {
            if (string.IsNullOrWhiteSpace(symbol)) return null;
            var s = symbol!.Trim().TrimStart('@').ToUpperInvariant();
            return s.Length == 0 ? null : s;
        }

        internal static OrderSide? ParseSide(object? value)
        {
            var text = value is string s ? s.Trim().ToLowerInvariant() : value is long n ? n.ToString(CultureInfo.InvariantCulture) : null;
            switch (text)
            {
                case "1": case "buy": case "b": case "bto": case "btc": case "buytoopen": case "buytoclose": case "long":
                    return OrderSide.Buy;
                case "2": case "5": case "6": case "sell": case "s": case "sto": case "stc": case "ssho": case "sellshort": case "short":
                case "selltoopen": case "selltoclose":
                    return OrderSide.Sell;
                default: return null;
            }
        }

        private static long? Long(object? v)
        {
            switch (v)
            {
                case long l: return l;
                case decimal d when d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue: return (long)d;
                case string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p): return p;
                default: return null;
            }
        }

        private static decimal? Number(object? v)
        {
            switch (v)
            {
                case long l: return l;
                case decimal d: return d;
                case double x when !double.IsNaN(x) && !double.IsInfinity(x) && Math.Abs(x) < 7.9e27: return (decimal)x;
                case string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p): return p;
                default: return null;
            }
        }

        private static DateTimeOffset? ReadTime(object? v)
        {
            switch (v)
            {
                case DateTimeOffset t: return t;
                case string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var p): return p;
                default: return null;
            }
        }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "signal {0}, {1:o}, {2} {3} {4}",
            SignalId?.ToString(CultureInfo.InvariantCulture) ?? "?", Time, Side?.ToString() ?? "?", Quantity?.ToString(CultureInfo.InvariantCulture) ?? "?", Symbol ?? "?");
    }
}
