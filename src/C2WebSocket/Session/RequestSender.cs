using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Sends subscription requests and tracks them in the <see cref="SubscriptionBook"/>: a subscribe with the stream's
    /// resume plan (the witness of a verified resume, docs/protocol.md §8.2), an unsubscribe, a resubscribe (replay pages,
    /// recovery, backfill, rewind, split), taking back a subscribe given up on, and each request's timeout. Owns the
    /// resume_from wire type in use. Runs on the loop.
    /// </summary>
    internal sealed class RequestSender : SessionPart
    {
        private ResumeFromWireType _resumeFormat;

        public RequestSender(SessionContext context) : base(context)
        {
            _resumeFormat = !_options.ResumeFromTypeFixed && _checkpoint?.ResumeFormat is ResumeFromWireType remembered ? remembered : _options.ResumeFromType;
        }

        /// <summary>How resume_from is written: set when the server refused the other type (docs/protocol.md §6.1).</summary>
        public ResumeFromWireType ResumeFormat { get => _resumeFormat; set => _resumeFormat = value; }

        /// <summary>Subscribes (again) with the stream's resume plan. The tracker holds back its data until the ack.</summary>
        internal void SendSubscribe(StreamEntry entry, RequestPurpose purpose, bool formatSwitched = false)
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
            req.Timer = Schedule(_options.RequestTimeout, new Input(InputKind.RequestTimeout, arg: req));
            var text = SubscriptionTexts.Subscribing(Label, entry.Key, resume, purpose == RequestPurpose.User ? null : SubscriptionTexts.Purpose(purpose));
            if (purpose == RequestPurpose.Page) Debug(text); else _diag.Verbose(text);
        }

        /// <summary>Unsubscribes and subscribes again on the same connection (replay pages, recovery, backfill, rewind, split).</summary>
        internal void Resubscribe(StreamEntry entry, RequestPurpose purpose)
        {
            var link = entry.Link;
            if (link.State != LinkState.Ready) return; // the reconnect resubscribes from the same position anyway
            if (entry.EverAcked || entry.InFlight != null) SendUnsubscribe(entry.Key, link, null);
            SendSubscribe(entry, purpose);
        }

        internal PendingRequest SendUnsubscribe(StreamKey key, Link link, TimeSpan? timeout)
        {
            var req = _book.Track(new PendingRequest(_book.NewRequestId(), key, ClientMessages.Unsubscribe, link, RequestPurpose.User));
            link.Connection?.Send(ClientMessages.Subscription(ClientMessages.Unsubscribe, key, req.Id, null, _resumeFormat, _clock.Now));
            // C2 does not document the reply to an unsubscribe: wait for it no longer than asked. Remove-C2Subscription
            // -TimeoutSec 0 (Infinite) waits until the reply, Ctrl+C or the session's end; internal unsubscribes use the
            // request timeout.
            var due = timeout ?? _options.RequestTimeout;
            if (due != System.Threading.Timeout.InfiniteTimeSpan) req.Timer = Schedule(due, new Input(InputKind.RequestTimeout, arg: req));
            return req;
        }

        /// <summary>The session gives up a subscribe the server never answered (removed, not waited for any more, or out of
        /// attempts). The server may still take it: unsubscribe there too, waiting for nobody, so it does not keep streaming
        /// (and counting against the 100 per connection) what this client now drops.</summary>
        internal void TakeBack(StreamEntry entry)
        {
            var req = entry.InFlight;
            if (req == null) return;
            _book.Forget(req);
            entry.InFlight = null;
            if (req.Link.State == LinkState.Ready && req.Gen == req.Link.Gen) SendUnsubscribe(req.Key, req.Link, null);
        }
    }
}
