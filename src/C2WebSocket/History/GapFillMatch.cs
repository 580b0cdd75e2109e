using System;
using System.Collections.Generic;
using System.Linq;

namespace C2WebSocket.History
{
    /// <summary>What the matcher decided for the rows of one history query.</summary>
    internal sealed class GapFillMatch
    {
        /// <summary>Rows the server returned.</summary>
        public int Fetched { get; internal set; }
        /// <summary>Rows the stream already delivered (matched by SignalId or by time, symbol, side and quantity).</summary>
        public int MatchedBySignalId { get; internal set; }
        public int MatchedByFingerprint { get; internal set; }
        /// <summary>Rows the checkpoint shows were delivered before the range, or written from history by an earlier run.</summary>
        public int MatchedByCheckpoint { get; internal set; }
        public int AlreadyDelivered => MatchedBySignalId + MatchedByFingerprint + MatchedByCheckpoint;
        /// <summary>Rows outside the window asked for (a server that does not filter by date).</summary>
        public int OutsideWindow { get; internal set; }
        /// <summary>Rows to deliver at the range's place, oldest first.</summary>
        public IReadOnlyList<HistoryOrder> Deliver { get; internal set; } = Array.Empty<HistoryOrder>();
        /// <summary>Rows not delivered because nothing shows whether the stream already delivered them (each says why).</summary>
        public IReadOnlyList<HistoryOrder> HeldBack { get; internal set; } = Array.Empty<HistoryOrder>();
        /// <summary>What the matcher could not match on, in words ("the stream's signals carry no signal id, ...").</summary>
        public IReadOnlyList<string> Limitations { get; internal set; } = Array.Empty<string>();
    }
}
