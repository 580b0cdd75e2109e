using System;
using System.Collections.Generic;
using System.Linq;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>What became of a range the socket could not deliver.</summary>
    internal enum GapFillOutcome
    {
        /// <summary>The history query ran; its orders (possibly none new) were delivered at the range's place.</summary>
        Filled,
        /// <summary>The history holds no orders in the range's window.</summary>
        WindowEmpty,
        /// <summary>The REST request failed (refused parameter, rate limit, server error, timeout, unreachable).</summary>
        RestRefused,
        /// <summary>The key may not read the strategy's history (401, 403).</summary>
        NotAllowed,
        /// <summary>The range cannot be made into a query (positions, no strategy, no start time).</summary>
        NotPlannable,
        /// <summary>Gap fill is off: the report carries the command that would fill it.</summary>
        Disabled,
    }
}
