using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The watchdog's timers (<see cref="QuietTimers"/>): on the real clock, each test with a provider of its own.
    /// Callbacks run one at a time on the provider's thread, in due order, so "it did not fire" is shown by a later
    /// timer firing first, never by a sleep.
    /// </summary>
    public class QuietTimersTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan Never = Timeout.InfiniteTimeSpan;
        private readonly QuietTimers _timers = new QuietTimers();
        private readonly List<string> _fired = new List<string>();

        private ITimer Timer(string name, TimeSpan due, TimeSpan period, TaskCompletionSource<long>? done = null) =>
            _timers.CreateTimer(_ =>
            {
                lock (_fired) _fired.Add(name);
                done?.TrySetResult(_timers.GetTimestamp());
            }, null, due, period);

        private static TaskCompletionSource<long> Done() => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

        private string[] Fired() { lock (_fired) return _fired.ToArray(); }

        /// <summary>Arms a timer, waits for it, and shows that nothing else fired before it (or at all, earlier).</summary>
        private async Task OnlyThisOneFiresAsync(string name, TimeSpan due)
        {
            var done = Done();
            using var t = Timer(name, due, Never, done);
            await done.Task.WaitAsync(Wait);
            Assert.Equal(new[] { name }, Fired());
        }

        [Fact]
        public async Task A_timer_fires_once_at_its_due_time_and_not_before()
        {
            var done = Done();
            var start = _timers.GetTimestamp();
            using var t = Timer("a", TimeSpan.FromMilliseconds(60), Never, done);
            var at = await done.Task.WaitAsync(Wait);
            Assert.True(_timers.GetElapsedTime(start, at) >= TimeSpan.FromMilliseconds(60));
            var later = Done();
            using var sentinel = Timer("sentinel", TimeSpan.FromMilliseconds(30), Never, later);
            await later.Task.WaitAsync(Wait);
            Assert.Equal(new[] { "a", "sentinel" }, Fired());
        }

        [Fact]
        public async Task A_timer_moved_later_fires_at_the_later_time_only()
        {
            // What the watchdog does at every heartbeat: the first due time passes without a call. (Moved within
            // microseconds; the first due time leaves a loaded machine 300 ms to get there.)
            var done = Done();
            var start = _timers.GetTimestamp();
            using var t = Timer("watchdog", TimeSpan.FromMilliseconds(300), Never, done);
            using var early = Timer("early", TimeSpan.FromMilliseconds(450), Never);
            Assert.True(t.Change(TimeSpan.FromMilliseconds(600), Never));
            var at = await done.Task.WaitAsync(Wait);
            Assert.True(_timers.GetElapsedTime(start, at) >= TimeSpan.FromMilliseconds(600));
            Assert.Equal(new[] { "early", "watchdog" }, Fired());
        }

        [Fact]
        public async Task A_timer_moved_earlier_is_called_at_the_earlier_time_not_when_the_thread_meant_to_look()
        {
            var done = Done();
            var first = Done();
            using var t = Timer("a", TimeSpan.MaxValue, Never, done); // as far as a span goes: the thread waits (in slices) for ever
            using var b = Timer("b", TimeSpan.FromMilliseconds(10), Never, first);
            await first.Task.WaitAsync(Wait); // after calling b, the thread waits for a
            Assert.True(t.Change(TimeSpan.FromMilliseconds(20), Never));
            await done.Task.WaitAsync(Wait);
            Assert.Equal(new[] { "b", "a" }, Fired());
        }

        [Fact]
        public async Task A_periodic_timer_fires_until_disposed_and_never_after()
        {
            var third = Done();
            var count = 0;
            var periodic = _timers.CreateTimer(_ => { if (Interlocked.Increment(ref count) == 3) third.TrySetResult(0); }, null,
                TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
            await third.Task.WaitAsync(Wait);
            periodic.Dispose();
            Assert.False(periodic.Change(TimeSpan.FromMilliseconds(1), Never)); // a disposed timer cannot be armed again
            // A call already taken when Dispose ran comes before the first sentinel; none may come between the two.
            var first = Done();
            var second = Done();
            using var s1 = Timer("s1", TimeSpan.FromMilliseconds(20), Never, first);
            using var s2 = Timer("s2", TimeSpan.FromMilliseconds(120), Never, second);
            await first.Task.WaitAsync(Wait);
            var atFirst = Volatile.Read(ref count);
            await second.Task.WaitAsync(Wait);
            Assert.Equal(atFirst, Volatile.Read(ref count));
        }

        [Fact]
        public async Task A_disarmed_timer_does_not_fire()
        {
            using var t = Timer("disarmed", TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(20)); // disarmed long before
            Assert.True(t.Change(Never, Never));
            await OnlyThisOneFiresAsync("sentinel", TimeSpan.FromMilliseconds(450));
        }

        [Fact]
        public async Task A_callback_that_throws_does_not_stop_the_other_timers()
        {
            using var bad = _timers.CreateTimer(_ => throw new InvalidOperationException("boom"), null, TimeSpan.FromMilliseconds(10), Never);
            await OnlyThisOneFiresAsync("good", TimeSpan.FromMilliseconds(60));
        }

        [Fact]
        public async Task A_timer_armed_after_the_last_one_fired_still_fires()
        {
            // The thread ends when nothing is armed; a timer armed while it ends, or after, gets one.
            for (var i = 0; i < 20; i++)
            {
                var done = Done();
                using var t = Timer("t" + i, TimeSpan.FromMilliseconds(i % 3), Never, done);
                await done.Task.WaitAsync(Wait);
            }
            Assert.Equal(20, Fired().Length);
        }

        [Fact]
        public void Bad_times_are_refused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => _timers.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(-2), Never));
            Assert.Throws<ArgumentOutOfRangeException>(() => _timers.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(-2)));
            Assert.Throws<ArgumentNullException>(() => _timers.CreateTimer(null!, null, TimeSpan.Zero, Never));
        }
    }
}
