using System.Threading;

namespace C2WebSocket
{
    /// <summary>What the background did, counted. The loop writes; anybody reads.</summary>
    internal sealed class SessionCounters
    {
        public long MessagesReceived, HeartbeatsReceived, HeartbeatAcksSent, MessagesQueued, DuplicatesDropped, Malformed, UnknownMessages,
            Reconnects, InboxOverflows, LateMessagesDropped, HandlingFailures, Refetched, SkippedBeforeWatch, SequenceAnomalies, Unattributed, ReplayPages;

        /// <summary>Only the loop writes, so no interlocked increment is needed (several per message) where a 64-bit write is
        /// atomic; a 32-bit process (Windows PowerShell x86) keeps one so a reader never sees a torn value.</summary>
        public void Inc(ref long counter)
        {
            if (System.IntPtr.Size == 8) Volatile.Write(ref counter, counter + 1);
            else Interlocked.Increment(ref counter);
        }

        public static long Read(ref long counter) => Interlocked.Read(ref counter);
    }
}
