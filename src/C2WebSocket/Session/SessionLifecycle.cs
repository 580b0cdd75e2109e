using System;
using System.Linq;
using System.Threading.Tasks;

namespace C2WebSocket
{
    /// <summary>
    /// The session's life: opening (the first connection's outcome completes or fails Connect-C2Socket), the state
    /// readers see (Connected when every connection in use is ready and resubscribed), the end (gave up, key refused,
    /// reconnect off, internal error) and the user's close. Owns the opening command and the closing/ended flags.
    /// Runs on the loop.
    /// </summary>
    internal sealed class SessionLifecycle : SessionPart
    {
        private readonly Action _completeInputs;
        private ConnectionSupervisor _connections = null!;
        private TaskCompletionSource<bool>? _opening;
        private bool _closing, _closed, _ended;
        /// <summary>Close commands that arrived while a close was under way: answered when it ends.</summary>
        private readonly System.Collections.Generic.List<CloseCommand> _alsoClosing = new System.Collections.Generic.List<CloseCommand>();

        public SessionLifecycle(SessionContext context, Action completeInputs) : base(context) { _completeInputs = completeInputs; }

        public void Attach(ConnectionSupervisor connections) => _connections = connections;

        /// <summary>Close-C2Socket was handled (or is being handled): inputs are not acted on any more.</summary>
        public bool IsClosing => _closing;
        /// <summary>The session is over: nothing more will arrive.</summary>
        public bool IsEnded => _ended;
        /// <summary>Connect-C2Socket waits for the first connection.</summary>
        public bool IsOpening => _opening != null;

        internal void Open(TaskCompletionSource<bool> done)
        {
            _opening = done;
            _connections.OpenFirst();
        }

        /// <summary>The first connection is ready: the session is Connected and Connect-C2Socket returns.</summary>
        internal void CompleteOpen()
        {
            _session.ConnectedAt = _time.GetUtcNow();
            _session.SetState(C2SessionState.Connected, SessionTexts.Connected);
            var open = _opening!;
            _opening = null;
            open.TrySetResult(true);
        }

        /// <summary>An internal error stopped the loop: said, and the session ends Failed.</summary>
        internal void Fault(Exception ex)
        {
            _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.SessionFaulted, SessionTexts.Faulted(Label, ex.Message), _session, ex);
            End(C2SessionState.Failed, SessionTexts.FaultReason(ex.Message));
        }

        /// <summary>The first connection failed. The session ends first, so the caller of OpenAsync sees the final state
        /// (Failed) and every diagnostic of the end; failing the open first let it observe Connecting.</summary>
        internal void FailOpen(Exception ex)
        {
            var open = _opening!;
            _opening = null;
            End(C2SessionState.Failed, SessionTexts.FirstConnectionFailed);
            open.TrySetException(ex);
        }

        /// <summary>Connected when every connection in use is ready and its resubscribes are answered.</summary>
        internal void UpdateState()
        {
            if (_closing || _ended || _opening != null) return;
            var inUse = _connections.Links.Where(l => l.Id == 0 || _book.LiveCount(l) > 0).ToList();
            var ready = inUse.All(l => l.State == LinkState.Ready && l.ResubscribesOutstanding <= 0);
            var reason = ready ? SessionTexts.Reconnected : _session.LastError ?? SessionTexts.LinkNotReady;
            _session.SetState(ready ? C2SessionState.Connected : C2SessionState.Reconnecting, reason);
        }

        /// <summary>The session is over (gave up, key refused, reconnect off): nothing more will arrive.</summary>
        internal void End(C2SessionState state, string reason)
        {
            if (_ended) return;
            _ended = true;
            _connections.ShutAll();
            _book.DropAll();
            foreach (var e in _book.All.ToList())
            {
                if (e.IsLive) e.Sub.State = C2SubscriptionState.Closed;
                ServerReplies.FailWaiters(e, new InvalidOperationException(SessionTexts.Ended(Label, reason)));
            }
            _opening?.TrySetException(new InvalidOperationException(SessionTexts.Ended(Label, reason)));
            _opening = null;
            foreach (var e in _book.All) StreamDelivery.ReleaseHeld(e, _inbox); // what the session knows is missing is said
            PublishSubscriptions();
            _session.SetState(state, reason);
            _inbox.Complete();
        }

        /// <summary>The user's close, first half: says it, asks every connection to close with status 1000, and returns
        /// what to wait for (the closes, or the timeout) before <see cref="FinishClose"/>; null when a close is already
        /// under way (this command is answered when it ends). The loop does not wait: it goes on taking inputs and
        /// keeps the ones that arrive meanwhile for after the close.</summary>
        internal Task? BeginClose(CloseCommand cmd)
        {
            if (_closing)
            {
                if (_closed) cmd.Done.TrySetResult(0); else _alsoClosing.Add(cmd);
                return null;
            }
            _closing = true;
            _diag.Verbose(SessionTexts.Closing(Label));
            var closes = _connections.Links.Where(l => l.Connection != null).Select(l => l.Connection!.CloseAsync(cmd.Timeout)).ToArray();
            return Task.WhenAny(Task.WhenAll(closes), _time.Delay(cmd.Timeout));
        }

        /// <summary>The user's close, second half (the sockets closed, or the timeout passed): the inbox is cleared, the
        /// connections shut, the subscriptions closed, the session Disconnected and the loop's channel completed.</summary>
        internal void FinishClose(CloseCommand cmd)
        {
            var dropped = _inbox.Clear();
            if (dropped > 0) _diag.Verbose(SessionTexts.QueuedDiscarded(Label, dropped));
            var wasEnded = _ended;
            _ended = true;
            _connections.ShutAll();
            _book.DropAll();
            foreach (var e in _book.All.ToList())
            {
                if (e.IsLive || e.Sub.State == C2SubscriptionState.Closed) e.Sub.State = C2SubscriptionState.Closed;
                ServerReplies.FailWaiters(e, new InvalidOperationException(SessionTexts.WasClosed(Label)));
            }
            PublishSubscriptions();
            _connections.CancelConnects();
            if (!wasEnded) _session.SetState(C2SessionState.Disconnected, SessionTexts.ClosedByUser);
            _inbox.Complete();
            _completeInputs();
            _closed = true;
            cmd.Done.TrySetResult(dropped);
            foreach (var other in _alsoClosing) other.Done.TrySetResult(0);
            _alsoClosing.Clear();
        }
    }
}
