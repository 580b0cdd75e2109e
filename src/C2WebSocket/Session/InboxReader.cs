using System;
using System.Collections.Generic;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Reads the inboxes of one or more sessions: the oldest item a filter accepts, round-robin across sessions, and a
    /// wait that wakes when any of them receives something (no polling). Used by Receive-C2Signal on the pipeline
    /// thread; one reader per thread.
    /// </summary>
    internal sealed class InboxReader : IDisposable
    {
        private readonly C2Session[] _sessions; // an array: a foreach over it allocates no enumerator (TryTake runs per object)
        private readonly InboxWaiter _waiter = new InboxWaiter();
        private readonly TimeProvider _time;
        private int _next;
        private const long NotLooked = -1;
        private long _emptyAt = NotLooked; // the sessions' signal count read before the last take that found nothing

        /// <summary>Reads <paramref name="sessions"/>; its timeouts are measured on the first session's clock (all of a
        /// pipeline's sessions share the process's, except in tests).</summary>
        public InboxReader(IReadOnlyList<C2Session> sessions)
        {
            _sessions = new C2Session[sessions.Count];
            for (var i = 0; i < _sessions.Length; i++) _sessions[i] = sessions[i];
            _time = sessions.Count > 0 ? sessions[0].Options.TimeProvider : TimeProvider.System;
            foreach (var s in sessions) s.Inbox.Register(_waiter);
        }

        /// <summary>True when no session will receive anything more and nothing the filter accepts is left.</summary>
        public bool AllEnded(Func<StreamKey, bool>? filter)
        {
            foreach (var s in _sessions)
                if (!s.Inbox.IsCompleted || s.Inbox.Peekable(filter)) return false;
            return true;
        }

        public bool TryTake(Func<StreamKey, bool>? filter, out C2Session? session, out InboxTake taken) =>
            TryTake(filter, false, out session, out taken, out _);

        /// <summary>The same; with <paramref name="states"/>, a session's state changes too, each in order with its items
        /// (a change is taken when nothing older than it is queued for the filter).</summary>
        public bool TryTake(Func<StreamKey, bool>? filter, bool states, out C2Session? session, out InboxTake taken, out C2StateChange? change)
        {
            change = null;
            var signals = Signals();
            for (var i = 0; i < _sessions.Length; i++)
            {
                var s = _sessions[(_next + i) % _sessions.Length];
                var changeAt = states ? s.StateChanges.NextOrder() : null;
                if (s.Inbox.TryTake(filter, out taken, changeAt ?? long.MaxValue)) { session = s; _next++; _emptyAt = NotLooked; return true; }
                if (changeAt.HasValue && s.StateChanges.TryTake(out change)) { session = s; _next++; return true; }
            }
            session = null;
            taken = default;
            _emptyAt = signals;
            return false;
        }

        /// <summary>Also wake for state changes (Receive-C2Signal -IncludeStateChange).</summary>
        public bool States { get; set; }

        /// <summary>Waits up to <paramref name="max"/> for an item the filter accepts (true) or gives up (false).</summary>
        public bool Wait(Func<StreamKey, bool>? filter, TimeSpan max, CancellationToken cancel)
        {
            // No spin, and no look for items added since the last take found nothing: the loop signals a burst's items in
            // batches (Inbox.Flush), and a reader that spins, or polls the lock the loop adds under, takes the core and
            // the cache line the loop needs. Sleep unless the inboxes were signalled since that take.
            var emptyAt = _emptyAt;
            _emptyAt = NotLooked;
            _waiter.Arm();
            var woken = emptyAt == NotLooked ? Available(filter) : Signals() != emptyAt; // a Wait with no take before it looks
            if (woken || AllEnded(filter) || ChangePending()) { _waiter.Disarm(); return true; }
            if (max <= TimeSpan.Zero) { _waiter.Disarm(); return false; }
            return _waiter.Wait(max, cancel);
        }

        /// <summary>Takes the next accepted item, waiting up to <paramref name="timeout"/>.</summary>
        public bool TryTake(Func<StreamKey, bool>? filter, TimeSpan timeout, CancellationToken cancel, out C2Session? session, out InboxTake taken)
        {
            if (TryTake(filter, out session, out taken)) return true; // the usual case in a burst: no clock read
            var started = _time.GetTimestamp();
            while (true)
            {
                var left = timeout - _time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero || cancel.IsCancellationRequested || AllEnded(filter)) return false;
                Wait(filter, left, cancel);
                if (TryTake(filter, out session, out taken)) return true;
            }
        }

        private bool ChangePending()
        {
            if (!States) return false;
            foreach (var s in _sessions)
                if (s.StateChanges.Count > 0) return true;
            return false;
        }

        private bool Available(Func<StreamKey, bool>? filter)
        {
            foreach (var s in _sessions)
                if (s.Inbox.ItemHint > 0 && s.Inbox.Peekable(filter)) return true;
            return false;
        }

        private long Signals()
        {
            long n = 0;
            foreach (var s in _sessions) n += s.Inbox.Signals;
            return n;
        }

        public void Dispose()
        {
            foreach (var s in _sessions) s.Inbox.Unregister(_waiter);
            _waiter.Dispose();
        }
    }
}
