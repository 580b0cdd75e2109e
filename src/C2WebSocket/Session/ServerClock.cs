using System;

namespace C2WebSocket
{
    /// <summary>
    /// The server's clock as seen from here: client messages must carry a timestamp within a minute of the server's
    /// (docs/protocol.md §6.1), so a skewed local clock is corrected from the server's own timestamps. Only a real skew
    /// (2 s or more) is corrected; after the first sample a change needs two agreeing timestamps, so one junk
    /// timestamp cannot move it. Owned by the session loop.
    /// </summary>
    internal sealed class ServerClock
    {
        private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(2);
        private readonly TimeProvider _time;
        private long _offsetTicks;
        private TimeSpan? _candidate;
        private bool _sampled;

        public ServerClock(TimeProvider time) { _time = time; }

        /// <summary>Server clock minus local clock.</summary>
        public TimeSpan Offset => TimeSpan.FromTicks(System.Threading.Interlocked.Read(ref _offsetTicks));

        public DateTimeOffset Now => _time.GetUtcNow() + Offset;

        /// <summary>Takes a server timestamp received now. Returns the new offset when it changed, else null.</summary>
        public TimeSpan? Sample(DateTimeOffset? serverTimestamp)
        {
            if (!(serverTimestamp is DateTimeOffset ts)) return null;
            var measured = ts - _time.GetUtcNow();
            var target = measured.Duration() >= Threshold ? measured : TimeSpan.Zero;
            if ((target - Offset).Duration() < Threshold) { _sampled = true; _candidate = null; return null; }
            if (_sampled && !(_candidate is TimeSpan c && (target - c).Duration() < Threshold))
            {
                _candidate = target;
                return null;
            }
            _sampled = true;
            _candidate = null;
            System.Threading.Interlocked.Exchange(ref _offsetTicks, target.Ticks);
            return target;
        }
    }
}
