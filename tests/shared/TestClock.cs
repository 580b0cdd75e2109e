using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Time.Testing;

// Compiled into both test projects (tests/unit and tests/integration): the fake clock.
namespace C2WebSocket.Tests.Units
{
    internal static class Units
    {
        /// <summary>How long a test waits for an event before it fails (real time; events normally come in microseconds).</summary>
        public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

        public static readonly DateTimeOffset Start = new DateTimeOffset(2025, 3, 3, 12, 0, 0, TimeSpan.Zero);
    }

    /// <summary>One timer the session created on the fake clock.</summary>
    internal sealed class TimerRecord
    {
        public TimerRecord(DateTimeOffset createdAt, TimeSpan due, TimeSpan period) { CreatedAt = createdAt; Due = due; Period = period; }
        public DateTimeOffset CreatedAt { get; }
        public TimeSpan Due { get; }
        public TimeSpan Period { get; }
        public bool IsOneShot => Period == Timeout.InfiniteTimeSpan || Period == TimeSpan.Zero;
        public DateTimeOffset FiresAt => CreatedAt + Due;
        /// <summary>The session disposed it (cancelled it, or it is done with it).</summary>
        public bool Disposed { get; set; }
        public override string ToString() => "timer due " + Due + " after " + CreatedAt.ToString("HH:mm:ss.fff") + (IsOneShot ? "" : " every " + Period);
    }

    /// <summary>
    /// <see cref="FakeTimeProvider"/> that also records the timers created on it (so a test knows when the session
    /// scheduled something), and moves time with <see cref="FakeTimeProvider.SetUtcNow"/>, which fires what is due
    /// and never sleeps (<c>Advance</c> of recent versions pauses the calling thread for a millisecond).
    /// </summary>
    internal sealed class TestClock : FakeTimeProvider
    {
        private readonly List<TimerRecord> _timers = new List<TimerRecord>();

        public TestClock() : base(Units.Start) { }

        public void Step(TimeSpan delta) => SetUtcNow(GetUtcNow() + delta);

        public void StepTo(DateTimeOffset when)
        {
            if (when > GetUtcNow()) SetUtcNow(when);
        }

        public IReadOnlyList<TimerRecord> Timers { get { lock (_timers) return _timers.ToArray(); } }

        public int TimerCount { get { lock (_timers) return _timers.Count; } }

        /// <summary>Arms the timer first, then records it: a test that sees the record and moves the clock past its due
        /// time always fires it (recorded first, a clock moved in between left it due after the new time: never fired).</summary>
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var inner = base.CreateTimer(callback, state, dueTime, period);
            var record = new TimerRecord(GetUtcNow(), dueTime, period); // read after arming: FiresAt is never before the real due time
            lock (_timers) _timers.Add(record);
            return new RecordedTimer(inner, record);
        }

        /// <summary>A timer of the fake clock that notes its disposal in its record.</summary>
        private sealed class RecordedTimer : ITimer
        {
            private readonly ITimer _inner;
            private readonly TimerRecord _record;
            public RecordedTimer(ITimer inner, TimerRecord record) { _inner = inner; _record = record; }
            public bool Change(TimeSpan dueTime, TimeSpan period) => _inner.Change(dueTime, period);
            public void Dispose() { _record.Disposed = true; _inner.Dispose(); }
            public System.Threading.Tasks.ValueTask DisposeAsync() { _record.Disposed = true; return _inner.DisposeAsync(); }
        }
    }
}
