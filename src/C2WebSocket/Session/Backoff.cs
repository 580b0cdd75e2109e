using System;

namespace C2WebSocket
{
    /// <summary>Reconnect delays: exponential with "equal jitter" (half to all of the step), a floor after throttling.</summary>
    internal sealed class Backoff
    {
        private readonly Random _jitter;
        private readonly TimeSpan _first, _max, _throttled;

        public Backoff(TimeSpan first, TimeSpan max, TimeSpan throttled, int? seed)
        {
            _first = first; _max = max; _throttled = throttled;
            _jitter = seed.HasValue ? new Random(seed.Value) : new Random();
        }

        /// <summary>The delay before attempt <paramref name="attempt"/> (1-based).</summary>
        public TimeSpan Delay(int attempt, bool throttled, TimeSpan? retryAfter)
        {
            var exp = Math.Min(Math.Max(attempt, 1) - 1, 20);
            var ticks = Math.Min(_first.Ticks * Math.Pow(2, exp), _max.Ticks);
            var delay = TimeSpan.FromTicks((long)(ticks * (0.5 + _jitter.NextDouble() * 0.5)));
            if (throttled)
            {
                var floor = retryAfter ?? _throttled;
                if (delay < floor) delay = floor;
            }
            return delay;
        }
    }
}
