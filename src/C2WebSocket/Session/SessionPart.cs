using System;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// The base of each part of the session loop (<see cref="ConnectionSupervisor"/>, <see cref="FrameDispatcher"/>,
    /// <see cref="ServerReplies"/>, <see cref="RequestSender"/>, <see cref="UserCommands"/>, <see cref="StreamRouter"/>,
    /// <see cref="StreamDelivery"/>, <see cref="SessionLifecycle"/>): short names for the shared services of the
    /// <see cref="SessionContext"/>. A part runs on the loop only; its own state is in its own fields.
    /// </summary>
    internal abstract class SessionPart
    {
        protected SessionPart(SessionContext context)
        {
            Context = context;
            _session = context.Session;
            _options = context.Options;
            _time = context.Time;
            _inbox = context.Inbox;
            _diag = context.Diagnostics;
            _checkpoint = context.Checkpoint;
            _counters = context.Counters;
            _book = context.Book;
            _clock = context.Clock;
        }

        protected SessionContext Context { get; }
        protected readonly C2Session _session;
        protected readonly C2SessionOptions _options;
        protected readonly TimeProvider _time;
        protected readonly Inbox _inbox;
        protected readonly DiagnosticSink _diag;
        protected readonly CheckpointStore? _checkpoint;
        protected readonly SessionCounters _counters;
        protected readonly SubscriptionBook _book;
        protected readonly ServerClock _clock;

        /// <summary>How diagnostics name the session ("Session 3").</summary>
        protected string Label => Context.Label;

        protected void Post(in Input input) => Context.Post(input);
        protected ITimer Schedule(TimeSpan due, Input input) => Context.Schedule(due, input);
        protected void PublishSubscriptions() => Context.PublishSubscriptions();
        protected bool DebugSlot() => Context.DebugSlot();

        /// <summary>The same, for a line about the frame being handled (no clock read).</summary>
        protected bool FrameDebugSlot() => Context.DebugSlot(Context.FrameTicks);
        protected void Debug(string text) => Context.Debug(text);
    }
}
