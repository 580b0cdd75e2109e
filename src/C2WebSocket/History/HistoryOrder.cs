using System;
using System.Collections.Generic;
using System.Linq;

namespace C2WebSocket.History
{
    /// <summary>A REST order row and what the matcher read from it.</summary>
    internal sealed class HistoryOrder
    {
        internal HistoryOrder(C2RestRow row, OrderFacts facts, int index) { Row = row; Facts = facts; Index = index; }
        public C2RestRow Row { get; }
        public OrderFacts Facts { get; }
        /// <summary>Its place in the answer (ties in time keep the server's order).</summary>
        public int Index { get; }
        /// <summary>Why it was held back (null when delivered).</summary>
        public string? HeldBackBecause { get; internal set; }
    }
}
