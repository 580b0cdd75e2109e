using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// How a Receive-C2Signal tells the ends of the sessions it reads (pipeline thread only). A session that ended
    /// (Disconnected or Failed) is reported once, when nothing of it is left for the reader: with the terminating
    /// C2SessionEnded when it is the last one being read, else with a non-terminating one while the others go on. An end
    /// the user asked for while the read ran (Disconnect-C2Socket, the runspace closing) is not an error: the read ends
    /// quietly, as at Ctrl+C. Reading a session that had already ended is always C2SessionEnded, whoever ended it: nothing
    /// can arrive, and a loop around the read must not spin.
    /// </summary>
    /// <remarks>
    /// The background announces an end once, as a diagnostic (C2ReconnectFailed, the lost-connection warning, ...): the
    /// reader keeps those back and says the end with C2SessionEnded instead, which carries the same reason (the stored
    /// end reason of the session) and the stored failure as its inner exception. When the read stops for another reason
    /// first (-Count, -TimeoutSec), what was kept back is written as it was recorded.
    /// </remarks>
    internal sealed class SessionEnds
    {
        private readonly IReadOnlyList<C2Session> _sessions;
        private readonly HashSet<C2Session> _openAtStart;
        private readonly HashSet<C2Session> _reported = new HashSet<C2Session>();
        private readonly List<(C2Session Session, C2Diagnostic Diagnostic)> _withheld = new List<(C2Session, C2Diagnostic)>();

        public SessionEnds(IReadOnlyList<C2Session> sessions)
        {
            _sessions = sessions;
            _openAtStart = new HashSet<C2Session>(sessions.Where(s => s.IsOpen));
        }

        /// <summary>True for a diagnostic that announces the session's end: kept back, said by C2SessionEnded.</summary>
        public bool Withhold(C2Session session, C2Diagnostic diagnostic)
        {
            if (!DiagnosticSink.EndsSession(diagnostic.Code)) return false;
            _withheld.Add((session, diagnostic));
            return true;
        }

        /// <summary>Reports the sessions that ended and have nothing left for this reader (<paramref name="pending"/> says
        /// whether a session still has something to give it). Returns the terminating error when the last session being
        /// read ended that way; writes the others through <paramref name="writeError"/> and <paramref name="writeVerbose"/>.</summary>
        public ErrorRecord? Report(Func<C2Session, bool> pending, Action<ErrorRecord> writeError, Action<string> writeVerbose)
        {
            foreach (var s in _sessions)
            {
                if (_reported.Contains(s) || !s.Inbox.IsCompleted || pending(s)) continue;
                _reported.Add(s);
                _withheld.RemoveAll(w => ReferenceEquals(w.Session, s));
                if (s.EndedByUser && _openAtStart.Contains(s))
                {
                    writeVerbose(CmdletTexts.ClosedWhileRead(s.Label, s.EndReason));
                    continue;
                }
                if (AllReported) return C2ErrorTable.SessionEnded(s);
                writeError(C2ErrorTable.SessionEnded(s));
            }
            return null;
        }

        /// <summary>Every session read has ended and was reported: nothing more can arrive.</summary>
        public bool AllReported => _sessions.All(_reported.Contains);

        /// <summary>Why the read is over, for its verbose summary.</summary>
        public string Summary() => CmdletTexts.SessionsEnded(_sessions);

        /// <summary>What was kept back for sessions whose end this read did not report (it stopped first).</summary>
        public IEnumerable<C2Diagnostic> Unsaid() => _withheld.Where(w => !_reported.Contains(w.Session)).Select(w => w.Diagnostic);
    }
}
