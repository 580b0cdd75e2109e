using System;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// The services every part of a session's loop shares: the facade, the options and the clock, the inbox, the
    /// diagnostics, the checkpoint, the counters, the subscription book, the server clock, timers that post to the loop
    /// and the throttle of debug lines. It holds no session logic. Used on the loop's thread only, except
    /// <see cref="Post"/>, which timers and connection tasks call.
    /// </summary>
    internal sealed class SessionContext
    {
        private readonly Action<Input> _post;
        private long _debugWindowStart;
        private int _debugInWindow;

        public SessionContext(C2Session session, C2SessionOptions options, Inbox inbox, DiagnosticSink diagnostics, CheckpointStore? checkpoint,
            SessionCounters counters, SubscriptionBook book, Action<Input> post)
        {
            Session = session;
            Options = options;
            Time = options.TimeProvider;
            Inbox = inbox;
            Diagnostics = diagnostics;
            Checkpoint = checkpoint;
            Counters = counters;
            Book = book;
            Clock = new ServerClock(Time);
            _post = post;
        }

        public C2Session Session { get; }
        public C2SessionOptions Options { get; }
        public TimeProvider Time { get; }
        public Inbox Inbox { get; }
        public DiagnosticSink Diagnostics { get; }
        public CheckpointStore? Checkpoint { get; }
        public SessionCounters Counters { get; }
        public SubscriptionBook Book { get; }
        public ServerClock Clock { get; }
        /// <summary>Where the heartbeat watchdog's timer lives: with the system clock, on <see cref="QuietTimers"/> (moved later
        /// at every heartbeat, it must not wake the thread pool each time); a test's clock serves its own timers.</summary>
        public TimeProvider WatchdogTime => ReferenceEquals(Time, TimeProvider.System) ? QuietTimers.Instance : Time;
        /// <summary>How diagnostics name the session ("Session 3").</summary>
        public string Label => Session.Label;

        /// <summary>Posts an input to the loop (any thread).</summary>
        public void Post(in Input input) => _post(input);

        /// <summary>A one-shot timer that posts <paramref name="input"/> to the loop when due.</summary>
        public ITimer Schedule(TimeSpan due, Input input)
        {
            var state = new TimerPost(this, input);
            return Time.CreateTimer(static s => ((TimerPost)s!).Fire(), state, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }

        private sealed class TimerPost
        {
            private readonly SessionContext _context; private readonly Input _input;
            public TimerPost(SessionContext context, Input input) { _context = context; _input = input; }
            public void Fire() => _context.Post(_input);
        }

        /// <summary>Publishes the subscriptions other threads read (one array, replaced, never mutated).</summary>
        public void PublishSubscriptions() => Session.PublishSubscriptions(Book.Snapshot());

        /// <summary>Debug lines are the per-message story (heartbeats, acks, frames, backoff): at most 20 a second, the rest
        /// counted. True when a line may be written now; ask before building the text of a per-message line.</summary>
        public bool DebugSlot() => DebugSlot(Time.GetTimestamp());

        /// <summary>When the frame being handled arrived (<see cref="FrameDispatcher"/> sets it before handing the frame on):
        /// per-message code reads it instead of the clock.</summary>
        public long FrameTicks;

        /// <summary>The wall-clock time of <see cref="FrameTicks"/> (a message's ReceivedAt): read once per frame time, so
        /// the messages of a batch, which share it, cost one read.</summary>
        public DateTimeOffset FrameReceivedAt()
        {
            if (_frameUtcTicks != FrameTicks || _frameUtcTicks == 0)
            {
                _frameUtc = Time.GetUtcNow();
                _frameUtcTicks = FrameTicks;
            }
            return _frameUtc;
        }

        private long _frameUtcTicks;
        private DateTimeOffset _frameUtc;

        /// <summary>The same, at a time already read (<see cref="FrameTicks"/>).</summary>
        public bool DebugSlot(long now)
        {
            if (Time.GetElapsedTime(_debugWindowStart, now) >= TimeSpan.FromSeconds(1))
            {
                if (_debugInWindow > 20) Diagnostics.Debug(SessionTexts.DebugLinesHidden(Label, _debugInWindow - 20));
                _debugWindowStart = now;
                _debugInWindow = 0;
            }
            return ++_debugInWindow <= 20;
        }

        public void Debug(string text)
        {
            if (DebugSlot()) Diagnostics.Debug(text);
        }
    }
}
