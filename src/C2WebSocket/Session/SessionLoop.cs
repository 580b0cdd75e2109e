using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The one thread of control of a session. Every input (a server message, a connection event, a timer, a user
    /// command) arrives through one channel and is handed, one at a time and in order, to the part whose job it is:
    /// <see cref="ConnectionSupervisor"/>, <see cref="FrameDispatcher"/> (then <see cref="StreamRouter"/>,
    /// <see cref="StreamDelivery"/>, <see cref="ServerReplies"/>), <see cref="UserCommands"/>, <see cref="SessionLifecycle"/>.
    /// The loop itself only routes; the parts own the state, and nothing else writes it. It never waits on the
    /// pipeline: data goes to the <see cref="Inbox"/>, what the user must know to the <see cref="DiagnosticSink"/>.
    /// The rule, the parts and the walk of one signal are in Session/README.md.
    /// </summary>
    internal sealed class SessionLoop
    {
        /// <summary>How many inputs may wait before a receive pump waits for room (back-pressure to the socket).</summary>
        internal const int Capacity = 4096;
        /// <summary>How many inputs a thread handles in one go before it hands the rest to the thread pool and goes back
        /// to its own job (a receive pump to its socket, the pipeline thread to its pipeline).</summary>
        private const int HandOffAfter = 1024;

        private readonly ConcurrentQueue<Input> _inputs = new ConcurrentQueue<Input>();
        /// <summary>Inputs posted and not yet handled. The poster that takes it from 0 to 1 handles inputs until it is back
        /// at 0: that thread is the loop for that while, and nobody else can be (see <see cref="Post"/>).</summary>
        private int _pending;
        /// <summary>Set when the session has ended: later posts are refused (a command fails, a frame is dropped).</summary>
        private volatile bool _completed;
        private readonly object _roomGate = new object();
        private TaskCompletionSource<bool>? _room;
        private static readonly WaitCallback s_handOff = state => ((SessionLoop)state!).Drain(null);

        private readonly SessionContext _ctx;
        private readonly C2Session _session;
        private readonly SessionLifecycle _lifecycle;
        private readonly ConnectionSupervisor _connections;
        private readonly RequestSender _requests;
        private readonly FrameDispatcher _dispatcher;
        private readonly ServerReplies _replies;
        private readonly UserCommands _commands;
        private readonly StreamDelivery _delivery;

        public SessionLoop(C2Session session, C2SessionOptions options, Inbox inbox, DiagnosticSink diag, CheckpointStore? checkpoint, SessionCounters counters, string keyFingerprint)
        {
            _session = session;
            // Request ids start with the session's id, given when the session opens (before any request is sent).
            var book = new SubscriptionBook(() => "ps" + session.Id.ToString(CultureInfo.InvariantCulture) + "-");
            _ctx = new SessionContext(session, options, inbox, diag, checkpoint, counters, book, input => Post(input));
            _requests = new RequestSender(_ctx);
            _lifecycle = new SessionLifecycle(_ctx, () => _completed = true);
            _connections = new ConnectionSupervisor(_ctx, keyFingerprint, input => PostMessage(input));
            _connections.Attach(_lifecycle, _requests);
            _lifecycle.Attach(_connections);
            _delivery = new StreamDelivery(_ctx, _requests);
            var router = new StreamRouter(_ctx, _connections, _delivery, _requests, _lifecycle);
            _replies = new ServerReplies(_ctx, _requests, _lifecycle, _connections);
            _commands = new UserCommands(_ctx, _connections, router, _requests, _lifecycle);
            _dispatcher = new FrameDispatcher(_ctx, _connections, _replies, router, _delivery);
        }

        public ServerClock Clock => _ctx.Clock;
        public ResumeFromWireType ResumeFormat => _requests.ResumeFormat;

        /// <summary>Tests: the connection of a link (read outside the loop, for assertions only).</summary>
        internal Transport.IC2Connection? ConnectionOf(int linkId) => _connections.Links.FirstOrDefault(l => l.Id == linkId)?.Connection;

        /// <summary>Tests: hands the loop a message as if the first connection had received it.</summary>
        internal ValueTask<bool> InjectMessageAsync(byte[] data, bool binary)
        {
            var link = _connections.Links[0];
            return PostMessage(new Input(InputKind.Message, link, link.Gen, data, binary));
        }

        // ----- the one route: every input is queued, and the thread that finds the loop idle handles the queue ----------

        /// <summary>
        /// Posts an input: a timer, a command, the reader's room signal, a connection event. When the loop is idle (nothing
        /// waiting, nobody handling), this thread handles it at once and then whatever was posted meanwhile, until the
        /// queue is empty (at most <see cref="HandOffAfter"/> inputs, then the thread pool goes on). Otherwise it is
        /// queued behind every input posted before it. A post made while handling an input only queues it: the handler
        /// finishes first, and the input is handled next, in order. Never waits.
        /// </summary>
        public void Post(in Input input)
        {
            if (_completed) { FailCommand(input, new ObjectDisposedException("C2Session", _ctx.Label + " is closed.")); return; }
            Submit(input);
        }

        /// <summary>
        /// For the receive pumps: <see cref="Post"/>, and when more than <see cref="Capacity"/> inputs wait, the pump waits
        /// until the loop has worked the queue down to half (back-pressure to the socket). False once the session has
        /// ended: the pump stops reading.
        /// </summary>
        private ValueTask<bool> PostMessage(in Input input)
        {
            if (_completed) return new ValueTask<bool>(false);
            var waiting = Submit(input);
            return waiting > Capacity ? new ValueTask<bool>(WaitForRoomAsync()) : new ValueTask<bool>(true);
        }

        /// <summary>
        /// The one way in. <see cref="_pending"/> counts the inputs posted and not yet handled; whoever takes it from 0
        /// is the loop until it is back at 0, so one input is handled at a time and nothing else writes the parts' state.
        /// An input that takes it from 0 needs no queue: it is the next one, counted until handled. Any other is queued
        /// first and counted after, so while the count is above the one being handled, the queue holds an input.
        /// Returns how many were waiting (0: handled here).
        /// </summary>
        private int Submit(in Input input)
        {
            if (Interlocked.CompareExchange(ref _pending, 1, 0) == 0)
            {
                Drain(input);
                return 0;
            }
            _inputs.Enqueue(input);
            var pending = Interlocked.Increment(ref _pending);
            if (pending == 1) Drain(null);
            return pending;
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

        /// <summary>
        /// Handles <paramref name="first"/> (an input that needed no queue), then queued inputs, in order, until none is
        /// left. Only the thread that took <see cref="_pending"/> from 0 runs it (or the pool item it hands off to).
        /// Nothing here waits, and it never throws.
        /// </summary>
        private void Drain(Input? first)
        {
            var handled = 0;
            try
            {
                while (true)
                {
                    if (first.HasValue) { Route(first.Value); first = null; }
                    else { _inputs.TryDequeue(out var queued); Route(queued); }
                    var left = Interlocked.Decrement(ref _pending);
                    if (left == 0) break;
                    ReleaseRoom(left);
                    if (++handled == HandOffAfter)
                    {
                        _session.OnProgress();
                        ThreadPool.UnsafeQueueUserWorkItem(s_handOff, this);
                        return;
                    }
                }
                ReleaseRoom(0);
                _session.OnProgress();
            }
            catch (Exception ex)
            {
                // Never let a background exception escape: it would kill the host process. The loop is broken: it fails
                // the session, and this thread keeps the loop's turn (the count stays above 0), so nothing runs on it again.
                _completed = true;
                try { _lifecycle.Fault(ex); }
                catch (Exception) { }
            }
        }

        // ----- routing -----------------------------------------------------------------------------------------------

        /// <summary>While a close is under way (its sockets closing), inputs wait for its end, then are handled in order,
        /// as they would be had they queued behind it; the close's own end comes as <see cref="InputKind.CloseDone"/>.</summary>
        private void Route(in Input input)
        {
            if (_closeUnderWay != null && input.Kind != InputKind.CloseDone) { _afterClose.Add(input); return; }
            Handle(input);
            if (input.Kind != InputKind.CloseDone) return;
            foreach (var waiting in _afterClose) Handle(waiting);
            _afterClose.Clear();
        }

        private CloseCommand? _closeUnderWay;
        private readonly List<Input> _afterClose = new List<Input>();

        /// <summary>Close-C2Socket: the loop asks the sockets to close and goes on; <see cref="InputKind.CloseDone"/> finishes it.</summary>
        private void OnClose(CloseCommand cmd)
        {
            var closing = _lifecycle.BeginClose(cmd);
            if (closing == null) return;
            _closeUnderWay = cmd;
            closing.ContinueWith(static (_, state) => { var (loop, done) = ((SessionLoop, CloseCommand))state!; loop.Post(new Input(InputKind.CloseDone, arg: done)); },
                (this, cmd), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void OnCloseDone(CloseCommand cmd)
        {
            _closeUnderWay = null;
            _lifecycle.FinishClose(cmd);
        }

        private void Handle(in Input input)
        {
            try
            {
                switch (input.Kind)
                {
                    case InputKind.Message: _dispatcher.OnMessage(input.Link!, input.Gen, input.Data!, input.Binary); break;
                    case InputKind.Ended: _connections.OnEnded(input.Link!, input.Gen, (ConnectionEnd)input.Arg!); break;
                    case InputKind.ConnectDone: _connections.OnConnectDone(input.Link!, input.Gen, input.Arg); break;
                    case InputKind.ReconnectDue: _connections.OnReconnectDue(input.Link!, input.Gen); break;
                    case InputKind.HandshakeDeadline: _connections.OnHandshakeDeadline(input.Link!, input.Gen); break;
                    case InputKind.Watchdog: _connections.OnWatchdog(); break;
                    case InputKind.RequestTimeout: _replies.OnRequestTimeout((PendingRequest)input.Arg!); break;
                    case InputKind.WaiterTimeout: _commands.OnWaiterTimeout((WaiterTimeoutArg)input.Arg!); break;
                    case InputKind.Open: _lifecycle.Open((TaskCompletionSource<bool>)input.Arg!); break;
                    case InputKind.Subscribe: _commands.OnSubscribe((SubscribeCommand)input.Arg!); break;
                    case InputKind.Unsubscribe: _commands.OnUnsubscribe((UnsubscribeCommand)input.Arg!); break;
                    case InputKind.Room: _delivery.OnRoom((StreamKey)input.Arg!); break;
                    case InputKind.WitnessDue: _delivery.OnWitnessDue((PendingRequest)input.Arg!); break;
                    case InputKind.Close: OnClose((CloseCommand)input.Arg!); break;
                    case InputKind.CloseDone: OnCloseDone((CloseCommand)input.Arg!); break;
                }
            }
            catch (Exception ex) when (input.Kind == InputKind.Message)
            {
                // A message the handlers could not take (a bug, or a shape nobody foresaw) is counted and skipped.
                _ctx.Counters.Inc(ref _ctx.Counters.HandlingFailures);
                _dispatcher.Malformed("HandlingFailed", "a message could not be handled (" + ex.GetType().Name + ": " + ex.Message + ")");
            }
            catch (Exception ex)
            {
                FailCommand(input, ex);
                _ctx.Diagnostics.Verbose(_ctx.Label + ": " + input.Kind + " failed: " + ex.Message);
            }
        }

        private static void FailCommand(in Input input, Exception ex)
        {
            switch (input.Arg)
            {
                case SubscribeCommand s: s.Done.TrySetException(ex); break;
                case UnsubscribeCommand u: u.Done.TrySetException(ex); break;
                case CloseCommand c: c.Done.TrySetException(ex); break;
                case TaskCompletionSource<bool> open: open.TrySetException(ex); break;
            }
        }
    }
}
