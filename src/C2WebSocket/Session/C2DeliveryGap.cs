using System;
using System.Globalization;
using System.Text;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A range of messages of one stream that did not reach the pipeline, reported in order with the stream.</summary>
    public sealed class C2DeliveryGap
    {
        internal C2DeliveryGap(int sessionId, C2DeliveryProblem problem, string channel, long? strategyId, long? afterSeqId, string message)
        {
            SessionId = sessionId; Problem = problem; Channel = channel; StrategyId = strategyId; AfterSeqId = afterSeqId; Message = message;
        }
        /// <summary>The advice that ends the message of a range C2's REST history may hold; the reader replaces it with
        /// what history did for the range (or the exact command).</summary>
        internal const string RestAdvice = " Fetch them from the C2 REST API (GetStrategyHistoricalOrders).";

        public int SessionId { get; }
        public C2DeliveryProblem Problem { get; }
        public string Channel { get; }
        public long? StrategyId { get; }
        /// <summary>The missing messages have a seq_id greater than this (null: from the start of the stream).</summary>
        public long? AfterSeqId { get; }
        /// <summary>...and smaller than this: the first seq_id delivered after the gap, once known.</summary>
        public long? BeforeSeqId { get; internal set; }
        /// <summary>How many messages are known to be affected, when the client could count them.</summary>
        public long? Count { get; internal set; }
        /// <summary>The server time window the range falls in, when known (for a REST query).</summary>
        public DateTimeOffset? From { get; internal set; }
        public DateTimeOffset? To { get; internal set; }
        /// <summary>What C2's REST history did for the range ("Filled from history: N orders ...", or why not), or with gap
        /// fill off the Get-C2StrategyHistory command that fetches it; null for position updates.</summary>
        public string? Fill { get; internal set; }
        /// <summary>What the server said, verbatim, when it said something.</summary>
        public string? ServerMessage { get; internal set; }
        public string Message { get; internal set; }

        public string Range => StreamTexts.Range(AfterSeqId, BeforeSeqId);

        /// <summary>A copy as it is now (a held gap reported open: the loop may still learn its bound on the original).</summary>
        internal C2DeliveryGap Copy() => (C2DeliveryGap)MemberwiseClone();

        public override string ToString() => Problem + " " + Channel + ":" + (StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?") + " " + Range;
    }
}
