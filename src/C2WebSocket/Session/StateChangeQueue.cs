using System;
using System.Collections.Generic;

namespace C2WebSocket
{
    /// <summary>
    /// The state changes of a session since it opened, until a Receive-C2Signal -IncludeStateChange takes them (each is
    /// taken once). Written by the loop (through <see cref="C2Session"/>), read by the pipeline thread; its own lock and
    /// nothing else. Bounded: past <see cref="Capacity"/> the oldest go (a connection that flaps for hours while nobody
    /// reads them keeps the last 100; the session's State is always current).
    /// </summary>
    internal sealed class StateChangeQueue
    {
        public const int Capacity = 100;
        private readonly object _gate = new object();
        private readonly Queue<C2StateChange> _queue = new Queue<C2StateChange>();

        public int Count { get { lock (_gate) return _queue.Count; } }

        public void Add(C2StateChange change)
        {
            lock (_gate)
            {
                _queue.Enqueue(change);
                while (_queue.Count > Capacity) _queue.Dequeue();
            }
        }

        /// <summary>The order of the oldest change, or null when there is none.</summary>
        public long? NextOrder()
        {
            lock (_gate) return _queue.Count == 0 ? (long?)null : _queue.Peek().Order;
        }

        public bool TryTake(out C2StateChange? change)
        {
            lock (_gate)
            {
                change = _queue.Count == 0 ? null : _queue.Dequeue();
                return change != null;
            }
        }
    }
}
