using System;
using System.Collections.Generic;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The queues between the session loop and Receive-C2Signal: one lane per stream, each with its own capacity, so
    /// an unread stream's backlog never pushes a stream that is being read into overflow, and a filtered reader never
    /// disturbs streams it does not read. Readers take the oldest item their filter accepts across lanes. Adding never
    /// blocks (the loop must stay free to answer heartbeats). Notices (typed losses) and position markers travel in the
    /// lane, in order with the messages, outside the capacity. This is the one structure both sides touch; it has its
    /// own lock and nothing else.
    /// </summary>
    internal sealed class Inbox
    {
        private readonly object _gate = new object();
        private readonly Dictionary<StreamKey, InboxLane> _lanes = new Dictionary<StreamKey, InboxLane>();
        private InboxLane[] _laneList = Array.Empty<InboxLane>();
        private InboxWaiter[] _waiters = Array.Empty<InboxWaiter>();
        private readonly Action<StreamKey> _roomAvailable;
        private long _order;
        private int _items;          // items of any kind, readable without the lock (ItemHint: a reader's look before the lock)
        private bool _completed;
        private bool _cleared;
        private int _unsignalled;    // items added since waiting readers were last signalled (see Flush)
        private long _signals;       // how many times readers were signalled (see Signals)

        /// <summary>A reader waiting through a long burst is woken at least once per this many items (under a millisecond of a
        /// pump that never waits for its socket). Measured, --case session with builds alternating: 64 gave the session
        /// 0.76x-0.92x the bare loop (median 0.80x), 512 gave 0.78x-1.06x (median 0.93x), 2,048 no better than 512:
        /// every wake-up preempts the pump or the server on 2 cores.</summary>
        internal const int SignalEvery = 512;

        public Inbox(int capacityPerStream, Action<StreamKey> roomAvailable)
        {
            CapacityPerStream = capacityPerStream;
            _roomAvailable = roomAvailable;
        }

        public int CapacityPerStream { get; }
        public bool IsCompleted { get { lock (_gate) return _completed; } }
        internal int ItemHint => Volatile.Read(ref _items);

        /// <summary>Data messages queued, over all streams.</summary>
        public int Count
        {
            get { lock (_gate) { var n = 0; foreach (var l in _laneList) n += l.Data; return n; } }
        }

        public int CountOf(StreamKey key)
        {
            lock (_gate) return _lanes.TryGetValue(key, out var l) ? l.Data : 0;
        }

        // ----- the loop's side ------------------------------------------------------------------------

        public bool HasRoom(StreamKey key)
        {
            // Under the lock: reading the lane without it measured no faster (here and in perf2's A/B), and needs reasoning.
            lock (_gate) return !_lanes.TryGetValue(key, out var l) || l.Data < CapacityPerStream;
        }

        public void Add(StreamKey key, C2StreamMessage message) => Put(key, message, isData: true);

        public void AddNotice(StreamKey key, C2DeliveryGap notice) => Put(key, notice, isData: false);

        /// <summary>Moves the checkpoint position past skipped messages once the reader reaches this point (coalesced).</summary>
        public void AddMarker(StreamKey key, long epoch, long seq, DateTimeOffset? at)
        {
            lock (_gate)
            {
                if (_completed) return;
                var lane = LaneFor(key);
                if (lane.Count > 0 && lane.PeekLast().Item is PositionMarker tail) { tail.Epoch = epoch; tail.Seq = seq; tail.At = at; return; }
            }
            Put(key, new PositionMarker(key, epoch, seq, at), isData: false);
        }

        /// <summary>Asks for a call of the room callback once the reader has drained the stream to half its capacity.</summary>
        public void WantRoom(StreamKey key)
        {
            var now = false;
            lock (_gate)
            {
                var lane = LaneFor(key);
                if (lane.Data <= CapacityPerStream / 2) now = true;
                else lane.WantsRoom = true;
            }
            if (now) _roomAvailable(key);
        }

        /// <summary>Forgets a stream's queued items (Remove-C2Subscription). Returns how many messages were dropped.</summary>
        public int Drop(StreamKey key)
        {
            lock (_gate)
            {
                if (!_lanes.TryGetValue(key, out var lane)) return 0;
                var dropped = lane.Data;
                _items -= lane.Count;
                _lanes.Remove(key);
                RebuildList();
                return dropped;
            }
        }

        /// <summary>Forgets everything queued (Disconnect-C2Socket: nothing more is delivered). Returns how many messages were dropped.</summary>
        public int Clear()
        {
            lock (_gate)
            {
                var dropped = 0;
                foreach (var l in _laneList) dropped += l.Data;
                _lanes.Clear();
                RebuildList();
                _items = 0;
                _cleared = true;
                return dropped;
            }
        }

        /// <summary>A place in the order of the items, for something kept beside the inbox that must be read in order with
        /// them (a state change).</summary>
        public long Stamp()
        {
            lock (_gate) return ++_order;
        }

        /// <summary>Wakes waiting readers (something they may want arrived beside the inbox: a state change).</summary>
        public void Wake() => Signal();

        /// <summary>No more items will come; waiting readers return.</summary>
        public void Complete()
        {
            lock (_gate) _completed = true;
            Signal();
        }

        private void Put(StreamKey key, object item, bool isData)
        {
            bool wake;
            lock (_gate)
            {
                if (_completed) return;
                var lane = LaneFor(key);
                lane.AddLast(new InboxSlot(++_order, item));
                if (isData) lane.Data++;
                _items++;
                // Counted under the lock (no interlocked write to a line the reader's takes touch). A Flush from another
                // thread racing this may cost one spare wake-up, never a missed one: the thread that adds always flushes after.
                wake = ++_unsignalled >= SignalEvery;
            }
            if (wake) Flush();
        }

        /// <summary>
        /// Wakes a waiting reader for the items added since the last wake. Adding an item does not wake one at once: the
        /// loop's thread calls this when it stops handling, and a receive pump that handles messages itself calls it before
        /// it waits for the network (so a burst costs one wake per <see cref="SignalEvery"/> items, not one per item, and a
        /// reader that has caught up sleeps instead of spinning beside the thread that feeds it).
        /// </summary>
        public void Flush()
        {
            if (Volatile.Read(ref _unsignalled) != 0 && Interlocked.Exchange(ref _unsignalled, 0) > 0) Signal();
        }

        private InboxLane LaneFor(StreamKey key)
        {
            if (!_lanes.TryGetValue(key, out var lane))
            {
                _lanes[key] = lane = new InboxLane(key);
                RebuildList();
            }
            return lane;
        }

        private void RebuildList()
        {
            var list = new InboxLane[_lanes.Count];
            _lanes.Values.CopyTo(list, 0);
            _laneList = list;
        }

        /// <summary>How many times readers were signalled (a flush, a requeue, a state change, the end). A reader that found
        /// nothing sleeps unless this moved since: items added and not yet flushed do not keep it awake (it would poll
        /// the lock the loop adds under, item by item, as it caught up).</summary>
        internal long Signals => Volatile.Read(ref _signals);

        /// <summary>A reader has taken everything it could and waits for more: the readers keep up with the loop.</summary>
        public bool ReaderWaiting
        {
            get
            {
                var waiters = Volatile.Read(ref _waiters);
                for (var i = 0; i < waiters.Length; i++)
                    if (waiters[i].IsWaiting) return true;
                return false;
            }
        }

        private void Signal()
        {
            Interlocked.Increment(ref _signals);
            var waiters = Volatile.Read(ref _waiters);
            for (var i = 0; i < waiters.Length; i++) waiters[i].Signal();
        }

        // ----- the reader's side ----------------------------------------------------------------------

        /// <summary>Whether an item the filter accepts is queued.</summary>
        /// <summary>The messages of one stream queued now, oldest first (a copy; the reader's gap fill compares history rows
        /// with what the stream is about to deliver).</summary>
        public List<C2StreamMessage> Queued(StreamKey key)
        {
            var list = new List<C2StreamMessage>();
            lock (_gate)
            {
                if (!_lanes.TryGetValue(key, out var lane)) return list;
                for (var i = 0; i < lane.Count; i++)
                    if (lane.At(i).Item is C2StreamMessage m) list.Add(m);
            }
            return list;
        }

        public bool Peekable(Func<StreamKey, bool>? filter)
        {
            lock (_gate)
            {
                foreach (var lane in _laneList)
                    if (lane.Count > 0 && (filter == null || filter(lane.Key))) return true;
                return false;
            }
        }

        /// <summary>Takes the oldest item (message, notice or marker) whose stream the filter accepts; with
        /// <paramref name="before"/>, only one older than that place in the order.</summary>
        public bool TryTake(Func<StreamKey, bool>? filter, out InboxTake taken, long before = long.MaxValue)
        {
            StreamKey? room = null;
            taken = default;
            lock (_gate)
            {
                InboxLane? best = null;
                foreach (var lane in _laneList)
                {
                    if (lane.Count == 0 || (filter != null && !filter(lane.Key))) continue;
                    if (best == null || lane.PeekFirst().Order < best.PeekFirst().Order) best = lane;
                }
                if (best != null && best.PeekFirst().Order < before)
                {
                    var slot = best.RemoveFirst();
                    taken = new InboxTake(best.Key, slot.Item, slot.Order);
                    _items--;
                    if (slot.Item is C2StreamMessage)
                    {
                        best.Data--;
                        if (best.WantsRoom && best.Data <= CapacityPerStream / 2) { best.WantsRoom = false; room = best.Key; }
                    }
                }
            }
            if (room.HasValue) _roomAvailable(room.Value);
            return taken.Item != null;
        }

        /// <summary>Puts back, at the front of its stream, an item a reader took but could not deliver.</summary>
        public void Requeue(in InboxTake taken)
        {
            lock (_gate)
            {
                if (_cleared) return;
                var lane = LaneFor(taken.Key);
                lane.AddFirst(new InboxSlot(taken.Order, taken.Item));
                if (taken.Item is C2StreamMessage) lane.Data++;
                _items++;
            }
            Signal();
        }

        public void Register(InboxWaiter waiter)
        {
            lock (_gate)
            {
                var list = new List<InboxWaiter>(_waiters) { waiter };
                Volatile.Write(ref _waiters, list.ToArray());
            }
        }

        public void Unregister(InboxWaiter waiter)
        {
            lock (_gate)
            {
                var list = new List<InboxWaiter>(_waiters);
                list.Remove(waiter);
                Volatile.Write(ref _waiters, list.ToArray());
            }
        }
    }
}
