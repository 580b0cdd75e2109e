using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>What a range's fill gives the reader: the orders to write at the range's place, and the report.</summary>
    internal sealed class GapFillResult
    {
        internal GapFillResult(IReadOnlyList<C2Signal> orders, GapFillReport report) { Orders = orders; Report = report; }
        public IReadOnlyList<C2Signal> Orders { get; }
        public GapFillReport Report { get; }
        /// <summary>Every order of the range reached the pipeline: nothing is missing any more.</summary>
        public bool Complete => Report.Outcome == GapFillOutcome.Filled && (Report.Match?.HeldBack.Count ?? 0) == 0;
    }
}
