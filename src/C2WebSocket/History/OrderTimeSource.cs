using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>Where an order's time was read from.</summary>
    internal enum OrderTimeSource
    {
        /// <summary>No time could be read.</summary>
        None,
        /// <summary>The order's own posting time (PostedDate, posted_at, ...).</summary>
        Posted,
        /// <summary>The message's envelope timestamp (the payload names no posting time).</summary>
        Envelope,
    }
}
