using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>Why a range cannot be made into a history query.</summary>
    internal enum GapFillRefusal
    {
        None,
        /// <summary>A strategy.positions range: C2's REST history holds orders, not position updates.</summary>
        NotSignals,
        /// <summary>The range names no strategy (a message that named none on a connection of several).</summary>
        NoStrategy,
        /// <summary>The time of the last signal delivered before the range is unknown (nothing was delivered before it in
        /// this session and the checkpoint holds no time), so no window can say which orders are in it.</summary>
        NoStartTime,
    }
}
