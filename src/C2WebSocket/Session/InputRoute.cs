using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket
{
    /// <summary>
    /// The one route by which inputs reach the session's loop. <see cref="_pending"/> counts the inputs submitted and not
    /// yet handled (each by its <see cref="Input.Weight"/>: a batch of messages counts as its messages); the thread that
    /// takes it from 0 is the loop until it is back at 0, so one input is handled at a time, in the order submitted, and
    /// no other thread can be handling one meanwhile: no lock, no flag, no spin. An input that takes the count from 0
    /// needs no queue (it is the next one, counted until handled); any other is queued first and counted after, so while
    /// the count is above the one being handled the queue holds an input for the handler. A submit made while handling
    /// an input (the handler posting) only queues it: it is handled next, after the handler returns. Only a receive pump
    /// handles inputs on its own thread, and only when it has nothing more to read (<see cref="SubmitWithRoomAsync"/>:
    /// quiet traffic, no thread hop); a full batch of a burst, and an input from anyone else (a command from the
    /// pipeline thread, a timer, the reader's room signal), that find the loop idle start it on the thread pool
    /// (<see cref="Submit"/>): a cmdlet never runs the loop, a replay page arriving meanwhile is not handled on the
    /// pipeline thread that is about to read it, and a pump in a burst goes back to its socket while another core
    /// handles. A thread handles at most <see cref="HandOffAfter"/> (by weight) in one go, then hands the rest to the
    /// thread pool and goes back to its own job.
    /// </summary>
    internal sealed class InputRoute
    {
        /// <summary>How many inputs (by weight) may wait before <see cref="SubmitWithRoomAsync"/> waits for room (back-pressure to a socket).</summary>
        internal const int Capacity = 4096;
        internal const int HandOffAfter = 1024;

        private readonly ConcurrentQueue<Input> _queue = new ConcurrentQueue<Input>();
        private readonly Action<Input> _handle;
        private readonly Action<bool> _idle;
        private readonly Action<Exception> _broken;
        private readonly object _roomGate = new object();
        private TaskCompletionSource<bool>? _room;
        private int _pending;
        private volatile bool _closed;
        private static readonly WaitCallback s_handOff = state => ((InputRoute)state!).Drain(null, false);

        /// <param name="handle">Handles one input; runs on whichever thread is the loop at the time.</param>
        /// <param name="idle">Called when the thread stops handling (the queue is empty, or it hands off); true when that
        /// thread is a receive pump's, which goes on reading its socket.</param>
        /// <param name="broken">Called once if <paramref name="handle"/> throws: the route closes and handles nothing more.</param>
        public InputRoute(Action<Input> handle, Action<bool> idle, Action<Exception> broken)
        {
            _handle = handle; _idle = idle; _broken = broken;
        }

        /// <summary>False once <see cref="Close"/> was called (or the handler broke): nothing more is accepted.</summary>
        public bool IsOpen => !_closed;

        /// <summary>Accepts nothing more; inputs already submitted are still handled.</summary>
        public void Close() => _closed = true;

        /// <summary>Hands the input to the loop without ever handling it on this thread: queued, and when the loop was idle
        /// the thread pool starts it. False when closed.</summary>
        public bool Submit(in Input input)
        {
            if (_closed) return false;
            var weight = input.Weight;
            _queue.Enqueue(input);
            if (Interlocked.Add(ref _pending, weight) == weight) ThreadPool.UnsafeQueueUserWorkItem(s_handOff, this);
            return true;
        }

        /// <summary>
        /// For a receive pump. With <paramref name="handleHere"/> (the pump has nothing more to read: a message it waited
        /// for, or what it gathered before it waits for the network) the input is handled at once on this thread when the
        /// loop is idle (then whatever was queued meanwhile): no thread hop. Otherwise (a full batch of a burst, while the
        /// socket has more) it is queued, and the thread pool starts the loop if it was idle, so the pump goes back to its
        /// socket while another core handles: receiving and handling run side by side. Either way, when more than
        /// <see cref="Capacity"/> (by weight) wait, completes only once the loop has worked them down to half (the pump
        /// reads its socket no further meanwhile). False when closed.
        /// </summary>
        public ValueTask<bool> SubmitWithRoomAsync(in Input input, bool handleHere)
        {
            if (_closed) return new ValueTask<bool>(false);
            return Enter(input, handleHere) > Capacity ? new ValueTask<bool>(WaitForRoomAsync()) : new ValueTask<bool>(true);
        }

        /// <summary>Inputs submitted and not yet handled, by weight (tests).</summary>
        internal int Pending => Volatile.Read(ref _pending);

        private int Enter(in Input input, bool handleHere)
        {
            var weight = input.Weight;
            if (handleHere && Interlocked.CompareExchange(ref _pending, weight, 0) == 0)
            {
                Drain(input, true);
                return 0;
            }
            _queue.Enqueue(input);
            var pending = Interlocked.Add(ref _pending, weight);
            if (pending != weight) return pending;
            if (handleHere) Drain(null, true);
            else ThreadPool.UnsafeQueueUserWorkItem(s_handOff, this);
            return pending;
        }

        private void Drain(Input? first, bool pump)
        {
            var handled = 0;
            try
            {
                while (true)
                {
                    Input input;
                    if (first.HasValue) { input = first.Value; first = null; }
                    else _queue.TryDequeue(out input);
                    _handle(input);
                    var weight = input.Weight;
                    var left = Interlocked.Add(ref _pending, -weight);
                    ReleaseRoom(left);
                    if (left == 0) break;
                    if ((handled += weight) >= HandOffAfter)
                    {
                        _idle(pump);
                        ThreadPool.UnsafeQueueUserWorkItem(s_handOff, this);
                        return;
                    }
                }
                _idle(pump);
            }
            catch (Exception ex)
            {
                // Never let an exception escape onto a pump's or the pipeline's thread. The route is broken: it closes, and
                // this thread keeps the loop's turn (the count stays above 0), so nothing is handled on it again.
                _closed = true;
                try { _broken(ex); } catch (Exception) { }
            }
        }

        private Task<bool> WaitForRoomAsync()
        {
            lock (_roomGate)
            {
                if (Volatile.Read(ref _pending) <= Capacity / 2) return Task.FromResult(true);
                _room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _room.Task;
            }
        }

        private void ReleaseRoom(int pending)
        {
            if (pending > Capacity / 2 || Volatile.Read(ref _room) == null) return;
            TaskCompletionSource<bool>? room;
            lock (_roomGate) { room = _room; _room = null; }
            room?.TrySetResult(true);
        }
    }
}
