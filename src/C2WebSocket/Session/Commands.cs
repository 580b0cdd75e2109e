using System;
using System.Globalization;
using System.Linq;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    internal sealed class WaiterTimeoutArg
    {
        public WaiterTimeoutArg(StreamEntry entry, SubscribeWaiter waiter) { Entry = entry; Waiter = waiter; }
        public StreamEntry Entry { get; }
        public SubscribeWaiter Waiter { get; }
    }

    /// <summary>The loop's handling of user commands and of the requests it sends.</summary>
    internal sealed partial class SessionLoop
    {
        private void OnSubscribe(SubscribeCommand cmd)
        {
            if (_closing || _ended) throw new InvalidOperationException(Sid + " is " + _session.State + "; connect again with Connect-C2Socket.");
            var existing = _book.Find(cmd.Key);
            if (existing != null && existing.IsLive)
            {
                if (cmd.ResumeFrom is long r && cmd.Key.IsSignal)
                {
                    // -ResumeFrom on a subscription that exists: replay from there (never a silent no-op).
                    var dropped = _inbox.Drop(cmd.Key);
                    existing.Tracker.Rewind(r);
                    existing.LastDelivered = null;
                    _diag.Verbose(Sid + ": " + cmd.Key + " is already subscribed; subscribing again with resume_from " + r.ToString(CultureInfo.InvariantCulture) +
                                  " to replay from there" + (dropped > 0 ? " (" + dropped.ToString(CultureInfo.InvariantCulture) + " queued message(s) of it were discarded: the replay brings them again)" : "") + ".");
                    AddWaiter(existing, cmd);
                    Resubscribe(existing, RequestPurpose.Rewind);
                    return;
                }
                if (existing.Sub.State == C2SubscriptionState.Active) { cmd.Done.TrySetResult(existing.Sub); return; }
                AddWaiter(existing, cmd);
                return;
            }
            var link = ChooseLink(cmd.Key);
            var live = _book.LiveCount(link);
            if (live >= ProtocolLimits.MaxSubscriptionsPerConnection)
                throw new C2LimitException("C2SubscriptionLimit", Sid + " already has " + live.ToString(CultureInfo.InvariantCulture) + " subscriptions on " + link + "; C2 allows " + ProtocolLimits.MaxSubscriptionsPerConnection.ToString(CultureInfo.InvariantCulture) + " per connection. Remove some (Remove-C2Subscription) or open another session.");
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
            if (link.State == LinkState.Ready) SendSubscribe(entry, RequestPurpose.User);
            else if (link.State == LinkState.Idle) Connect(link);
            PublishSubscriptions();
        }

        /// <summary>Where a new stream goes: the first connection, unless the server's messages do not name their strategy
        /// and it already carries another strategy on that channel (then a connection of its own, within the budget).</summary>
        private Link ChooseLink(StreamKey key)
        {
            var main = _links[0];
            if (!(_naming.TryGetValue(key.Channel, out var named) && !named)) return main;
            foreach (var link in _links)
                if (_book.On(link).Any(e => e.Key.StrategyId == key.StrategyId)) return link;
            foreach (var link in _links)
                if (link.State != LinkState.Closed && _book.LiveCount(link) == 0) return link;
            var fresh = NewLink(force: false);
            if (fresh != null) return fresh;
            main.Ambiguous.Add(key.Channel);
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Unattributed, Sid + ": the server's " + key.Channel + " messages do not name their strategy and the key's 10 connections are in use, so " + key +
                " shares a connection with other strategies: its messages are delivered with an empty StrategyId and cannot be resumed per strategy.");
            return main;
        }

        private void AddWaiter(StreamEntry entry, SubscribeCommand cmd)
        {
            var waiter = new SubscribeWaiter(cmd.Done, cmd.Timeout);
            entry.Waiters.Add(waiter);
            if (cmd.Timeout > TimeSpan.Zero && cmd.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
                waiter.Timer = Schedule(cmd.Timeout, new Input(InputKind.WaiterTimeout, arg: new WaiterTimeoutArg(entry, waiter)));
        }

        private void OnWaiterTimeout(WaiterTimeoutArg arg)
        {
            var entry = arg.Entry;
            if (!entry.Waiters.Remove(arg.Waiter)) return;
            var what = string.Format(CultureInfo.InvariantCulture, "The server did not acknowledge the subscription to {0} within {1:0.###} s ({2} is {3}). Try again, or raise -TimeoutSec.",
                entry.Key, arg.Waiter.Timeout.TotalSeconds, Sid.ToLowerInvariant(), _session.State);
            arg.Waiter.Done.TrySetException(new TimeoutException(what));
            if (entry.Sub.State == C2SubscriptionState.Active || entry.EverAcked || entry.Waiters.Count > 0) return;
            TakeBack(entry);
            entry.Sub.State = C2SubscriptionState.Failed;
            entry.Sub.LastError = "no acknowledgement within " + arg.Waiter.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
            _book.Remove(entry);
            PublishSubscriptions();
        }

        private void OnUnsubscribe(UnsubscribeCommand cmd)
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
            FailWaiters(entry, new OperationCanceledException(entry.Key + " was unsubscribed."));
            if (entry.EverAcked && entry.InFlight != null) { _book.Forget(entry.InFlight); entry.InFlight = null; } // the unsubscribe below covers it
            else TakeBack(entry);
            result.Dropped = _inbox.Drop(entry.Key);
            PublishSubscriptions();
            var link = entry.Link;
            if (link.State == LinkState.Ready && entry.EverAcked)
            {
                var req = SendUnsubscribe(entry.Key, link, cmd.Timeout);
                req.Command = cmd;
                req.Dropped = result.Dropped;
            }
            else cmd.Done.TrySetResult(result);
            if (link.Id != 0 && _book.LiveCount(link) == 0) CloseLink(link);
            UpdateState();
        }

        /// <summary>The session gives up a subscribe the server never answered (removed, not waited for any more, or out of
        /// attempts). The server may still take it: unsubscribe there too, waiting for nobody, so it does not keep streaming
        /// (and counting against the 100 per connection) what this client now drops.</summary>
        private void TakeBack(StreamEntry entry)
        {
            var req = entry.InFlight;
            if (req == null) return;
            _book.Forget(req);
            entry.InFlight = null;
            if (req.Link.State == LinkState.Ready && req.Gen == req.Link.Gen) SendUnsubscribe(req.Key, req.Link, null);
        }

        private PendingRequest SendUnsubscribe(StreamKey key, Link link, TimeSpan? timeout)
        {
            var req = _book.Track(new PendingRequest(_book.NewRequestId(), key, ClientMessages.Unsubscribe, link, RequestPurpose.User));
            link.Connection?.Send(ClientMessages.Subscription(ClientMessages.Unsubscribe, key, req.Id, null, _resumeFormat, _clock.Now));
            // C2 does not document the reply to an unsubscribe: wait for it no longer than asked. Remove-C2Subscription
            // -TimeoutSec 0 (Infinite) waits until the reply, Ctrl+C or the session's end; internal unsubscribes use the
            // request timeout.
            var due = timeout ?? _o.RequestTimeout;
            if (due != System.Threading.Timeout.InfiniteTimeSpan) req.Timer = Schedule(due, new Input(InputKind.RequestTimeout, arg: req));
            return req;
        }

        /// <summary>Subscribes (again) with the stream's resume plan. The tracker holds back its data until the ack.</summary>
        private void SendSubscribe(StreamEntry entry, RequestPurpose purpose, bool formatSwitched = false)
        {
            var link = entry.Link;
            if (link.State != LinkState.Ready || link.Connection == null) return; // sent when the connection is ready
            if (entry.InFlight != null) _book.Forget(entry.InFlight);
            // A resume after a reconnect or from a checkpoint asks for the last message delivered again, as a witness; so
            // does any subscribe sent again before that witness came back (a split of the connection, a retry).
            var verify = purpose == RequestPurpose.User || purpose == RequestPurpose.Resubscribe || entry.Tracker.WitnessSeq.HasValue;
            var resume = entry.Tracker.PlanResumeFrom(verify);
            var req = _book.Track(new PendingRequest(_book.NewRequestId(), entry.Key, ClientMessages.Subscribe, link, purpose)
            {
                ResumeFrom = resume,
                Format = _resumeFormat,
                FormatSwitched = formatSwitched,
            });
            entry.InFlight = req;
            entry.Tracker.OnSubscribeSent(resume);
            entry.Sub.Verifying = entry.Tracker.WitnessSeq.HasValue;
            entry.Sub.ResumeFrom = resume;
            if (entry.EverAcked) entry.Sub.Resubscribes++;
            if (entry.Sub.State == C2SubscriptionState.Active && purpose != RequestPurpose.Page) entry.Sub.State = C2SubscriptionState.Pending;
            link.Connection.Send(ClientMessages.Subscription(ClientMessages.Subscribe, entry.Key, req.Id, resume, req.Format, _clock.Now));
            req.Timer = Schedule(_o.RequestTimeout, new Input(InputKind.RequestTimeout, arg: req));
            var text = Sid + ": subscribing to " + entry.Key + (resume.HasValue ? " with resume_from " + resume.Value.ToString(CultureInfo.InvariantCulture) : "") +
                       (purpose == RequestPurpose.User ? "" : " (" + PurposeText(purpose) + ")") + ".";
            if (purpose == RequestPurpose.Page) Debug(text); else _diag.Verbose(text);
        }

        private static string PurposeText(RequestPurpose p)
        {
            switch (p)
            {
                case RequestPurpose.Resubscribe: return "after a reconnect";
                case RequestPurpose.Page: return "next replay page";
                case RequestPurpose.Recover: return "fetching what a full inbox set aside";
                case RequestPurpose.Backfill: return "fetching the restarted sequence from its start";
                case RequestPurpose.Rewind: return "-ResumeFrom";
                case RequestPurpose.Split: return "re-synchronising after the connection's strategies were split";
                default: return p.ToString();
            }
        }

        /// <summary>Unsubscribes and subscribes again on the same connection (replay pages, recovery, backfill, rewind, split).</summary>
        private void Resubscribe(StreamEntry entry, RequestPurpose purpose)
        {
            var link = entry.Link;
            if (link.State != LinkState.Ready) return; // the reconnect resubscribes from the same position anyway
            if (entry.EverAcked || entry.InFlight != null) SendUnsubscribe(entry.Key, link, null);
            SendSubscribe(entry, purpose);
        }

        /// <summary>The reader drained a suspended stream to half its capacity: fetch what was set aside.</summary>
        private void OnRoom(StreamKey key)
        {
            var entry = _book.Find(key);
            if (entry == null || !entry.IsLive || !entry.Tracker.Suspended) return;
            _diag.Verbose(Sid + ": the inbox of " + key + " has room again; fetching its signals after seq_id " + entry.Tracker.LastSeq?.ToString(CultureInfo.InvariantCulture) + " with resume_from.");
            Resubscribe(entry, RequestPurpose.Recover);
        }

        private void OnRequestTimeout(PendingRequest req)
        {
            if (!_book.IsPending(req)) return;
            _book.Forget(req);
            if (!req.IsSubscribe)
            {
                Debug(Sid + ": no reply to the unsubscribe of " + req.Key + "; messages that still arrive for it are dropped.");
                req.Command?.Done.TrySetResult(new UnsubscribeResult { Dropped = req.Dropped });
                return;
            }
            var entry = _book.Find(req.Key);
            if (entry == null || entry.InFlight != req) return;
            if (req.Attempt < 2 && req.Link.State == LinkState.Ready)
            {
                _diag.Verbose(Sid + ": no acknowledgement of the subscription to " + req.Key + " within " + _o.RequestTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s; sending it again.");
                SendSubscribe(entry, req.Purpose, req.FormatSwitched);
                if (entry.InFlight != null) entry.InFlight.Attempt = req.Attempt + 1;
                return;
            }
            TakeBack(entry);
            entry.Tracker.OnRequestAbandoned();
            if (req.Purpose == RequestPurpose.Resubscribe) req.Link.ResubscribesOutstanding--;
            var why = "no acknowledgement of the subscription after " + req.Attempt.ToString(CultureInfo.InvariantCulture) + " attempts";
            FailStream(entry, req.Purpose, why, new TimeoutException("The server did not acknowledge the subscription to " + entry.Key + ": " + why + "."), null);
        }
    }

    /// <summary>A documented protocol limit the client refused to exceed.</summary>
    public sealed class C2LimitException : Exception
    {
        public C2LimitException(string errorId, string message) : base(message) { ErrorId = errorId; }
        public string ErrorId { get; }
    }
}
