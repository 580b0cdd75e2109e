using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Add-C2Subscription and Remove-C2Subscription on the loop: a new stream (its resume point from -ResumeFrom or the
    /// checkpoint, its connection), -ResumeFrom on a stream that exists, the waiters for an acknowledgement and their
    /// timeouts, and an unsubscribe. Owns no state beyond the book's. Runs on the loop.
    /// </summary>
    internal sealed class UserCommands : SessionPart
    {
        private readonly ConnectionSupervisor _connections;
        private readonly StreamRouter _router;
        private readonly RequestSender _requests;
        private readonly SessionLifecycle _lifecycle;

        public UserCommands(SessionContext context, ConnectionSupervisor connections, StreamRouter router, RequestSender requests, SessionLifecycle lifecycle)
            : base(context)
        {
            _connections = connections;
            _router = router;
            _requests = requests;
            _lifecycle = lifecycle;
        }

        internal void OnSubscribe(SubscribeCommand cmd)
        {
            if (_lifecycle.IsClosing || _lifecycle.IsEnded) throw new InvalidOperationException(SessionTexts.NotOpen(Label, _session.State));
            var existing = _book.Find(cmd.Key);
            if (existing != null && existing.IsLive)
            {
                if (cmd.ResumeFrom is long r && cmd.Key.IsSignal)
                {
                    // -ResumeFrom on a subscription that exists: replay from there (never a silent no-op).
                    var dropped = _inbox.Drop(cmd.Key);
                    existing.Tracker.Rewind(r);
                    existing.LastDelivered = null;
                    _diag.Verbose(SubscriptionTexts.AlreadySubscribed(Label, cmd.Key, r, dropped));
                    AddWaiter(existing, cmd);
                    _requests.Resubscribe(existing, RequestPurpose.Rewind);
                    return;
                }
                if (existing.Sub.State == C2SubscriptionState.Active) { cmd.Done.TrySetResult(existing.Sub); return; }
                AddWaiter(existing, cmd);
                return;
            }
            var link = _router.ChooseLink(cmd.Key);
            var live = _book.LiveCount(link);
            if (live >= ProtocolLimits.MaxSubscriptionsPerConnection)
                throw new C2LimitException(C2ErrorId.SubscriptionLimit, SubscriptionTexts.Limit(Label, live, link));
            var entry = new StreamEntry(new C2Subscription(_session, cmd.Key), link);
            if (cmd.ResumeFrom is long resume && resume > 0) entry.Tracker.Start(resume, 0, null, null, explicitPoint: true);
            else if (_checkpoint?.Get(cmd.Key) is CheckpointEntry saved && cmd.Key.IsSignal)
            {
                entry.Tracker.Start(saved.Seq, saved.Epoch, saved.At, saved.WatchingSince, explicitPoint: true);
                entry.Sub.AlreadyReported = saved.Reported && !saved.Seq.HasValue;
            }
            entry.Sub.LastSeqId = entry.Tracker.LastSeq;
            _book.Add(entry);
            AddWaiter(entry, cmd);
            if (link.State == LinkState.Ready) _requests.SendSubscribe(entry, RequestPurpose.User);
            else if (link.State == LinkState.Idle) _connections.Connect(link);
            PublishSubscriptions();
        }

        private void AddWaiter(StreamEntry entry, SubscribeCommand cmd)
        {
            var waiter = new SubscribeWaiter(cmd.Done, cmd.Timeout);
            entry.Waiters.Add(waiter);
            if (cmd.Timeout > TimeSpan.Zero && cmd.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
                waiter.Timer = Schedule(cmd.Timeout, new Input(InputKind.WaiterTimeout, arg: new WaiterTimeoutArg(entry, waiter)));
        }

        internal void OnWaiterTimeout(WaiterTimeoutArg arg)
        {
            var entry = arg.Entry;
            if (!entry.Waiters.Remove(arg.Waiter)) return;
            var what = SubscriptionTexts.WaiterTimedOut(entry.Key, arg.Waiter.Timeout, Label, _session.State);
            arg.Waiter.Done.TrySetException(new TimeoutException(what));
            if (entry.Sub.State == C2SubscriptionState.Active || entry.EverAcked || entry.Waiters.Count > 0) return;
            _requests.TakeBack(entry);
            entry.Sub.State = C2SubscriptionState.Failed;
            entry.Sub.LastError = SubscriptionTexts.NoAckWithin(arg.Waiter.Timeout);
            _book.Remove(entry);
            PublishSubscriptions();
        }

        internal void OnUnsubscribe(UnsubscribeCommand cmd)
        {
            var entry = _book.Find(cmd.Sub.Key);
            var result = new UnsubscribeResult();
            if (entry == null || !ReferenceEquals(entry.Sub, cmd.Sub) || !entry.IsLive)
            {
                cmd.Done.TrySetResult(result);
                return;
            }
            _book.Remove(entry);
            entry.Sub.State = C2SubscriptionState.Removed;
            ServerReplies.FailWaiters(entry, new OperationCanceledException(SubscriptionTexts.Unsubscribed(entry.Key)));
            if (entry.EverAcked && entry.InFlight != null) { _book.Forget(entry.InFlight); entry.InFlight = null; } // the unsubscribe below covers it
            else _requests.TakeBack(entry);
            result.Dropped = _inbox.Drop(entry.Key);
            PublishSubscriptions();
            var link = entry.Link;
            if (link.State == LinkState.Ready && entry.EverAcked)
            {
                var req = _requests.SendUnsubscribe(entry.Key, link, cmd.Timeout);
                req.Command = cmd;
                req.Dropped = result.Dropped;
            }
            else cmd.Done.TrySetResult(result);
            if (link.Id != 0 && _book.LiveCount(link) == 0) _connections.CloseLink(link);
            _lifecycle.UpdateState();
        }
    }
}
