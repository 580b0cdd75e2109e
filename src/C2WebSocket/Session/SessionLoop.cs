using System;
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
        private readonly InputRoute _route;
        private readonly SessionContext _ctx;
        private readonly SessionLifecycle _lifecycle;
        private readonly ConnectionSupervisor _connections;
        private readonly RequestSender _requests;
        private readonly FrameDispatcher _dispatcher;
        private readonly ServerReplies _replies;
        private readonly UserCommands _commands;
        private readonly StreamDelivery _delivery;

        public SessionLoop(C2Session session, C2SessionOptions options, Inbox inbox, DiagnosticSink diag, CheckpointStore? checkpoint,
            SessionCounters counters, string keyFingerprint)
        {
            // Request ids start with the session's id, given when the session opens (before any request is sent).
            var book = new SubscriptionBook(() => "ps" + session.Id.ToString(CultureInfo.InvariantCulture) + "-");
            _ctx = new SessionContext(session, options, inbox, diag, checkpoint, counters, book, input => Post(input));
            _requests = new RequestSender(_ctx);
            _route = new InputRoute(input => Route(input), pump => Idle(inbox, session, pump), ex => _lifecycle!.Fault(ex));
            _lifecycle = new SessionLifecycle(_ctx, _route.Close);
            _connections = new ConnectionSupervisor(_ctx, keyFingerprint, (input, handleHere) => PostMessage(input, handleHere));
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
            return InjectAsync(new Input(InputKind.Message, link, link.Gen, data, binary));
        }

        /// <summary>Tests and the benchmark's profile (--profile loop): hands the loop a burst's batch as if the first
        /// connection had received it, handled on this thread when the loop is idle.</summary>
        internal ValueTask<bool> InjectBatchAsync(byte[][] messages)
        {
            var link = _connections.Links[0];
            var batch = Array.ConvertAll(messages, m => new Transport.ReceivedMessage(m, false));
            return InjectAsync(new Input(InputKind.Messages, link, link.Gen, arg: batch));
        }

        private async ValueTask<bool> InjectAsync(Input input)
        {
            var posted = await PostMessage(input, true).ConfigureAwait(false);
            _ctx.Inbox.Flush(); // what a pump does before it waits for its socket
            return posted;
        }

        // ----- posting: every input takes the one route (InputRoute) --------------------------------------------------

        /// <summary>
        /// Posts an input: a timer, a command, the reader's room signal, a connection event. Queued behind every input
        /// posted before it; when the loop was idle the thread pool runs it, never the poster's thread (see
        /// <see cref="InputRoute"/>). A command posted after the session ended fails. Never waits.
        /// </summary>
        public void Post(in Input input)
        {
            if (!_route.Submit(input)) FailCommand(input, new ObjectDisposedException("C2Session", _ctx.Label + " is closed."));
        }

        /// <summary>For the receive pumps, with back-pressure: what a pump posts when it has nothing more to read is handled
        /// at once on its thread when the loop is idle; a full batch of a burst is queued for the loop on the thread pool
        /// while a reader waits for items (the readers keep up: the loop's speed is the limit, and another core can
        /// handle while the pump reads on). While the readers are busy they are the limit, and a second busy thread would
        /// only take CPU from them (two cores): the pump handles that batch too when the loop is idle (see
        /// <see cref="InputRoute.SubmitWithRoomAsync"/>). False once the session has ended.</summary>
        private ValueTask<bool> PostMessage(in Input input, bool handleHere) =>
            _route.SubmitWithRoomAsync(input, handleHere || !_ctx.Inbox.ReaderWaiting);

        /// <summary>The loop's thread stops handling: readers are woken for what it queued, unless that thread is a receive
        /// pump's, which wakes them before it waits for its socket (<see cref="Inbox.Flush"/>).</summary>
        private static void Idle(Inbox inbox, C2Session session, bool pump)
        {
            if (!pump) inbox.Flush();
            session.OnProgress();
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
            closing.ContinueWith(static (_, state) =>
                {
                    var (loop, done) = ((SessionLoop, CloseCommand))state!;
                    loop.Post(new Input(InputKind.CloseDone, arg: done));
                },
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
                    case InputKind.Message: HandleMessage(input, input.Data!, input.Binary, _ctx.Time.GetTimestamp()); break;
                    case InputKind.Messages:
                        var now = _ctx.Time.GetTimestamp(); // one clock read for the batch: its messages arrived together
                        foreach (var m in (Transport.ReceivedMessage[])input.Arg!) HandleMessage(input, m.Data, m.IsBinary, now);
                        break;
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
                    case InputKind.GapBoundDue: _delivery.OnGapBoundDue((C2DeliveryGap)input.Arg!); break;
                    case InputKind.Close: OnClose((CloseCommand)input.Arg!); break;
                    case InputKind.CloseDone: OnCloseDone((CloseCommand)input.Arg!); break;
                }
            }
            catch (Exception ex)
            {
                FailCommand(input, ex);
                _ctx.Diagnostics.Verbose(_ctx.Label + ": " + input.Kind + " failed: " + ex.Message);
            }
        }

        /// <summary>One message, alone or of a batch: a message the handlers could not take (a bug, or a shape nobody
        /// foresaw) is counted and skipped, and costs no other message (the rest of a batch was once lost with it, unreported).</summary>
        private void HandleMessage(in Input input, byte[] data, bool binary, long now)
        {
            try { _dispatcher.OnMessage(input.Link!, input.Gen, data, binary, now); }
            catch (Exception ex)
            {
                _ctx.Counters.Inc(ref _ctx.Counters.HandlingFailures);
                _dispatcher.Malformed("HandlingFailed", "a message could not be handled (" + ex.GetType().Name + ": " + ex.Message + ")");
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
