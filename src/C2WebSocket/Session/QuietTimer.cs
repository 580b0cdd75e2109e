using System;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket
{
    /// <summary>A timer of <see cref="QuietTimers"/>; its fields are guarded by the provider's lock.</summary>
    internal sealed class QuietTimer : ITimer
    {
        private readonly QuietTimers _owner;

        public QuietTimer(QuietTimers owner, TimerCallback callback, object? state)
        {
            _owner = owner;
            Callback = callback;
            State = state;
        }

        public TimerCallback Callback { get; }
        public object? State { get; }
        /// <summary>When it is next due (a timestamp of the provider); long.MaxValue when not armed.</summary>
        public long DueAt = long.MaxValue;
        /// <summary>Its period in timestamp ticks; 0 for a one-shot timer.</summary>
        public long Period;
        public bool Disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => _owner.Change(this, dueTime, period);

        public void Dispose() => _owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
