using System;
using System.Globalization;
using System.Text;
using C2WebSocket.History;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

// Compiled into both test projects (tests/unit and tests/integration): the stream signals, REST rows and ranges the
// gap-fill tests are made of.
namespace C2WebSocket.Tests
{
    internal static class GapFillSamples
    {
        internal const long S = 12345678;
        internal static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

        internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        /// <summary>A strategy.signal as the session delivers it: envelope timestamp <paramref name="at"/>, payload as given.</summary>
        internal static C2StreamMessage Signal(long seq, DateTimeOffset at, string payload)
        {
            var json = "{\"msg_type\":\"strategy.signal\",\"id\":\"msg_" + seq + "\",\"seq_id\":" + seq + ",\"timestamp\":\"" + Iso(at) + "\",\"v\":4,\"payload\":" + payload + "}";
            var bytes = Encoding.UTF8.GetBytes(json);
            return new C2Signal(1, S, EnvelopeReader.Decode(bytes, bytes.Length), bytes, at, 0);
        }

        internal static C2RestRow Row(string json) => new C2RestRow("GetStrategyHistoricalOrders", S, Encoding.UTF8.GetBytes(json), T0.AddHours(1));

        internal static string Snake(long signalId, DateTimeOffset at, string symbol = "ESZ6", string side = "buy", int qty = 2) =>
            "{\"strategy_id\":" + S + ",\"signal_id\":" + signalId + ",\"symbol\":\"" + symbol + "\",\"side\":\"" + side + "\",\"quantity\":" + qty + ",\"posted_at\":\"" + Iso(at) + "\"}";

        internal static string RestRow(long signalId, DateTimeOffset at, string symbol = "@ESZ6", string side = "1", int qty = 2, long id = 0) =>
            "{\"Id\":" + (id == 0 ? 7_000_000 + signalId : id) + ",\"StrategyId\":" + S + ",\"SignalId\":" + signalId + ",\"C2Symbol\":{\"FullSymbol\":\"" + symbol +
            "\",\"SymbolType\":\"future\"},\"Side\":\"" + side + "\",\"OrderQuantity\":" + qty + ",\"OrderStatus\":\"Filled\",\"PostedDate\":\"" + Iso(at) + "\"}";

        internal static C2DeliveryGap Gap(long after, long? before, DateTimeOffset? from, DateTimeOffset? to, string channel = Channels.Signal, long? strategy = S) =>
            new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, channel, strategy, after, "Signals were not replayed.") { BeforeSeqId = before, From = from, To = to };
    }
}
