using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Why a subscribe was sent (for the messages and for what a failure means).</summary>
    internal enum RequestPurpose
    {
        /// <summary>Add-C2Subscription.</summary>
        User,
        /// <summary>After a (re)connect.</summary>
        Resubscribe,
        /// <summary>The next page of a replay that ended with a gap.</summary>
        Page,
        /// <summary>Fetching again what a full inbox set aside.</summary>
        Recover,
        /// <summary>Backfilling a sequence that restarted.</summary>
        Backfill,
        /// <summary>-ResumeFrom on an existing subscription.</summary>
        Rewind,
        /// <summary>Re-synchronising after the strategies of a connection were split.</summary>
        Split,
    }
}
