using System.Threading;

namespace C2WebSocket
{
    /// <summary>What the background did, counted. The loop writes; anybody reads.</summary>
    internal sealed class SessionCounters
    {
        public long MessagesReceived, HeartbeatsReceived, HeartbeatAcksSent, MessagesQueued, DuplicatesDropped, Malformed, UnknownMessages,
            Reconnects, InboxOverflows, LateMessagesDropped, HandlingFailures, Refetched, SkippedBeforeWatch, SequenceAnomalies, Unattributed, ReplayPages;

        public void Inc(ref long counter) => Interlocked.Increment(ref counter);
        public static long Read(ref long counter) => Interlocked.Read(ref counter);
    }
}
