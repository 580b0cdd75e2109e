using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// The bounded queues of diagnostics between background code and cmdlets. Verbose and debug lines (the chatter: up
    /// to 20 debug lines a second per session) have a queue of their own, so however long nobody drains them they never
    /// push out a warning or an error: past the cap the oldest chatter goes. Warnings and errors go only past twice the
    /// cap (counted in <see cref="Dropped"/>), so a hostile server that floods errors cannot grow memory. Drain returns
    /// both in the order they were recorded.
    /// </summary>
    internal sealed class DiagnosticSink
    {
        private const int Cap = 5000;
        private readonly ConcurrentQueue<Entry> _important = new ConcurrentQueue<Entry>();
        private readonly ConcurrentQueue<Entry> _chatter = new ConcurrentQueue<Entry>();
        private readonly TimeProvider _time;
        private long _dropped, _sequence;

        private readonly struct Entry
        {
            public Entry(long sequence, C2Diagnostic diagnostic) { Sequence = sequence; Diagnostic = diagnostic; }
            public long Sequence { get; }
            public C2Diagnostic Diagnostic { get; }
        }

        public DiagnosticSink(TimeProvider time) { _time = time; }

        public long Dropped => Interlocked.Read(ref _dropped);

        /// <summary>The last error recorded (for C2Session.LastError).</summary>
        public string? LastError { get; private set; }

        /// <summary>The last diagnostic that announced the end of the session (see <see cref="EndsSession"/>).</summary>
        public C2Diagnostic? LastEnding { get; private set; }

        /// <summary>Codes recorded only as the session ends: the key refused on a reconnect, the reconnect attempts used up,
        /// an internal error, the connection lost with reconnecting off. What they say is also the session's end reason.</summary>
        public static bool EndsSession(C2DiagnosticCode code) =>
            code == C2DiagnosticCode.AuthenticationFailed || code == C2DiagnosticCode.ReconnectFailed ||
            code == C2DiagnosticCode.SessionFaulted || code == C2DiagnosticCode.ConnectionLost;

        public void Add(C2DiagnosticLevel level, C2DiagnosticCode code, string message, object? target = null, Exception? exception = null)
        {
            if (level == C2DiagnosticLevel.Error) LastError = message;
            var entry = new Entry(Interlocked.Increment(ref _sequence), new C2Diagnostic(level, code, message, target, exception, _time.GetUtcNow()));
            if (EndsSession(code)) LastEnding = entry.Diagnostic;
            if (level <= C2DiagnosticLevel.Verbose)
            {
                _chatter.Enqueue(entry);
                while (_chatter.Count > Cap && _chatter.TryDequeue(out _)) { }
                return;
            }
            _important.Enqueue(entry);
            while (_important.Count > 2 * Cap && _important.TryDequeue(out _))
                Interlocked.Increment(ref _dropped);
        }

        public void Verbose(string message) => Add(C2DiagnosticLevel.Verbose, C2DiagnosticCode.Info, message);
        public void Debug(string message) => Add(C2DiagnosticLevel.Debug, C2DiagnosticCode.Info, message);

        /// <summary>Whether anything waits to be drained (the pipeline thread asks before every object it writes).</summary>
        public bool IsEmpty => _important.IsEmpty && _chatter.IsEmpty;

        public IEnumerable<C2Diagnostic> Drain()
        {
            while (true)
            {
                var hasImportant = _important.TryPeek(out var important);
                var hasChatter = _chatter.TryPeek(out var chatter);
                if (!hasImportant && !hasChatter) yield break;
                var fromImportant = hasImportant && (!hasChatter || important.Sequence < chatter.Sequence);
                if (fromImportant ? _important.TryDequeue(out var taken) : _chatter.TryDequeue(out taken)) yield return taken.Diagnostic;
            }
        }
    }
}
