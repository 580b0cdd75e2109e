using System;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// The system clock, with timers served by one background thread of their own instead of the runtime's timer queue.
    /// For the heartbeat watchdog, which every heartbeat moves later: the runtime's queue keeps its wake-up at a moved
    /// timer's old due time, and each such wake-up is a thread-pool work item (a worker woken, then spinning for more
    /// work: on an idle process about what answering the heartbeat itself costs). With C2's default timeout of 1.5
    /// heartbeat intervals that is one extra work item per heartbeat. Here a timer moved later costs nothing until this
    /// thread's wait ends, and a wait that finds nothing due is one thread waking and waiting again.
    /// Callbacks run on this thread, one at a time, and must be short (the watchdog's posts an input to the loop); what
    /// they throw is swallowed (a background loop). The thread ends when no timer is armed and starts again on demand.
    /// </summary>
    internal sealed class QuietTimers : TimeProvider
    {
        public static readonly QuietTimers Instance = new QuietTimers();

        private readonly object _gate = new object();
        private readonly List<QuietTimer> _timers = new List<QuietTimer>();
        private Thread? _thread;
        private long _wakeAt = long.MaxValue; // when the thread's current wait ends (timestamp); MaxValue: not waiting on a time

        /// <summary>The process's one is <see cref="Instance"/>; tests make their own.</summary>
        internal QuietTimers() { }

        public override long GetTimestamp() => TimeProvider.System.GetTimestamp();
        public override long TimestampFrequency => TimeProvider.System.TimestampFrequency;
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow();
        public override TimeZoneInfo LocalTimeZone => TimeProvider.System.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (callback == null) throw new ArgumentNullException(nameof(callback));
            var timer = new QuietTimer(this, callback, state);
            Change(timer, dueTime, period);
            return timer;
        }

        internal bool Change(QuietTimer timer, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(dueTime));
            if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(period));
            lock (_gate)
            {
                if (timer.Disposed) return false;
                timer.Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : Ticks(period);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    timer.DueAt = long.MaxValue;
                    _timers.Remove(timer);
                    return true; // a thread waiting for it wakes, finds nothing due, and waits on (or ends)
                }
                timer.DueAt = GetTimestamp() + Ticks(dueTime);
                if (!_timers.Contains(timer)) _timers.Add(timer);
                if (_thread == null)
                {
                    _thread = new Thread(Run) { IsBackground = true, Name = "C2WebSocket timers" };
                    _thread.Start();
                }
                else if (timer.DueAt < _wakeAt) Monitor.Pulse(_gate); // due before the thread would look: it looks again now
                return true;
            }
        }

        internal void Remove(QuietTimer timer)
        {
            lock (_gate)
            {
                timer.Disposed = true;
                timer.DueAt = long.MaxValue;
                _timers.Remove(timer);
            }
        }

        private void Run()
        {
            var due = new List<QuietTimer>();
            while (true)
            {
                lock (_gate)
                {
                    while (true)
                    {
                        if (_timers.Count == 0) { _thread = null; _wakeAt = long.MaxValue; return; }
                        var now = GetTimestamp();
                        var next = long.MaxValue;
                        foreach (var t in _timers)
                        {
                            if (t.DueAt <= now) due.Add(t);
                            else if (t.DueAt < next) next = t.DueAt;
                        }
                        if (due.Count > 0)
                        {
                            foreach (var t in due)
                            {
                                if (t.Period > 0) t.DueAt = Math.Max(t.DueAt + t.Period, now + 1);
                                else { t.DueAt = long.MaxValue; _timers.Remove(t); }
                            }
                            _wakeAt = long.MaxValue;
                            break;
                        }
                        _wakeAt = next;
                        // Whole milliseconds, rounded up: a wait that ends early would only look and wait again.
                        var ms = (double)(next - now) * 1000 / TimestampFrequency + 1;
                        Monitor.Wait(_gate, ms >= int.MaxValue ? int.MaxValue : (int)ms);
                    }
                }
                foreach (var t in due)
                {
                    try { t.Callback(t.State); }
                    catch (Exception) { } // a timer's callback must not end the thread every session's watchdog runs on
                }
                due.Clear();
            }
        }

        /// <summary>A span in timestamp ticks, at most about a century (a due time further than that never comes).</summary>
        private long Ticks(TimeSpan span) => (long)Math.Min(span.Ticks * (double)TimestampFrequency / TimeSpan.TicksPerSecond, long.MaxValue / 4);
    }
}
