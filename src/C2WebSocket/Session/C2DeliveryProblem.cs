using System;
using System.Text;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Why a range of messages did not reach the pipeline (the TargetObject of the ErrorRecord).</summary>
    public enum C2DeliveryProblem
    {
        /// <summary>The server did not replay a range: a replay began above the point asked for (the server no longer holds
        /// what lies between), or it sent a gap before anything new (docs/protocol.md §8.3). Fetch the range from REST.</summary>
        ReplayLimitExceeded,
        /// <summary>The inbox of a strategy.positions stream was full; position updates cannot be replayed.</summary>
        InboxOverflow,
        /// <summary>A subscription could not be restored after a reconnect.</summary>
        ResubscribeFailed,
        /// <summary>seq_id 1 (or lower) may have been published while no resume point existed; resume_from cannot fetch it.</summary>
        NotReplayable,
    }
}
