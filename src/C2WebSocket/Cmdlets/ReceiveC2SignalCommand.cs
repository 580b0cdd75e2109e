using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using C2WebSocket.History;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// <para type="synopsis">Streams signals and position updates of a session into the pipeline as they arrive.</para>
    /// </summary>
    /// <remarks>
    /// Streams from EndProcessing so that everything piped in (sessions, subscriptions) is known first; each
    /// object is written as it arrives. What the statement emitted is committed to the checkpoint only once the
    /// statement has completed (PowerShell disposes this command after the whole pipeline ended, so a buffering sink
    /// such as Export-Csv has written its rows) and the script moved on: at the session's next command,
    /// Disconnect-C2Socket or the end of the runspace (<see cref="CheckpointCommits"/>). An object that could not be
    /// written (Ctrl+C, a downstream error) goes back to the front of its stream for the next Receive-C2Signal.
    /// </remarks>
    [Cmdlet(VerbsCommunications.Receive, "C2Signal")]
    [OutputType(typeof(C2Signal), typeof(C2PositionUpdate), typeof(C2StateChange))]
    public sealed class ReceiveC2SignalCommand : C2SessionCmdletBase, IDisposable
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [SessionTransformation]
        [ValidateNotNull]
        public override C2Session? Session { get => base.Session; set => base.Session = value; }

        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public C2Subscription[]? Subscription { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        /// <summary>Stop after this many objects; 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop after this many seconds; 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0, 31536000)]
        public int TimeoutSec { get; set; }

        /// <summary>Stop when nothing arrived for this many seconds (fractions allowed); 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0.0, 31536000.0)]
        public double IdleTimeoutSec { get; set; }

        /// <summary>Also write the sessions' state changes (C2StateChange), in order with the messages.</summary>
        [Parameter]
        public SwitchParameter IncludeStateChange { get; set; }

        private readonly List<C2Session> _sessions = new List<C2Session>();
        private readonly HashSet<StreamKey> _pipedStreams = new HashSet<StreamKey>();

        protected override void ProcessRecord()
        {
            if (Subscription != null)
            {
                foreach (var sub in Subscription)
                {
                    if (!_sessions.Contains(sub.Session)) _sessions.Add(sub.Session);
                    _pipedStreams.Add(new StreamKey(sub.Channel, sub.StrategyId));
                }
            }
            else if (Session != null && !_sessions.Contains(Session))
            {
                _sessions.Add(Session);
            }
        }

        protected override void EndProcessing()
        {
            if (_sessions.Count == 0) _sessions.Add(ResolveSession());
            foreach (var s in _sessions) Touch(s);
            _ends = new SessionEnds(_sessions);
            var filter = BuildFilter();
            if (filter == null) return;

            ErrorRecord? ended;
            using (var reader = new InboxReader(_sessions) { States = IncludeStateChange })
            {
                try { ended = Stream(filter.Accepts, reader); }
                finally
                {
                    if (!StopToken.IsCancellationRequested)
                    {
                        WriteDiagnostics();
                        foreach (var d in _ends.Unsaid()) WriteDiagnostic(d);
                        WarnUnverified(filter);
                    }
                }
            }
            // The session ended (not by the user during the read): after everything it had queued, said once, terminating.
            if (ended != null) ThrowTerminatingError(ended);
        }

        private SessionEnds _ends = null!;

        protected override bool Withhold(C2Session session, C2Diagnostic diagnostic) => _ends != null && _ends.Withhold(session, diagnostic);

        /// <summary>Writes until a stop condition; returns the C2SessionEnded to throw when the sessions ended.</summary>
        private ErrorRecord? Stream(Func<StreamKey, bool>? accepts, InboxReader reader)
        {
            // Every clock read of the read goes through the sessions' TimeProvider (the first session's: a pipeline's
            // sessions share the process clock, except in tests).
            var clock = _sessions.Count > 0 ? _sessions[0].Options.TimeProvider : TimeProvider.System;
            var started = clock.GetUtcNow().UtcDateTime;
            DateTime? deadline = TimeoutSec > 0 ? started.AddSeconds(TimeoutSec) : (DateTime?)null;
            var lastItem = started;
            var written = 0;
            string? endReason = null;
            ErrorRecord? ended = null;
            while (endReason == null)
            {
                WriteDiagnostics();
                if (Count > 0 && written >= Count) { endReason = "received " + written.ToString(CultureInfo.InvariantCulture) + " (-Count)"; break; }
                // Checked before every take, so a busy stream (never a moment without a message) still ends on time,
                // between two objects.
                if (deadline.HasValue && clock.GetUtcNow().UtcDateTime >= deadline.Value) { endReason = "-TimeoutSec " + TimeoutSec.ToString(CultureInfo.InvariantCulture) + " reached"; break; }
                if (reader.TryTake(accepts, IncludeStateChange, out var session, out var taken, out var change))
                {
                    // A state change is written where it happened among the messages; it counts for neither -Count nor -IdleTimeoutSec.
                    if (change != null) WriteObject(change);
                    else
                    {
                        var n = Deliver(session!, taken, Count > 0 ? Count - written : int.MaxValue);
                        if (n > 0) { written += n; lastItem = clock.GetUtcNow().UtcDateTime; }
                    }
                    continue;
                }
                if (StopToken.IsCancellationRequested) { endReason = "stopped"; break; }
                ended = _ends.Report(s => s.Inbox.Peekable(accepts) || (IncludeStateChange && s.StateChanges.Count > 0), WriteError, WriteVerbose);
                if (_ends.AllReported) { endReason = _ends.Summary(); break; }
                var now = clock.GetUtcNow().UtcDateTime;
                if (deadline.HasValue && now >= deadline.Value) { endReason = "-TimeoutSec " + TimeoutSec.ToString(CultureInfo.InvariantCulture) + " reached"; break; }
                // Idle does not end a read while a resume waits for the proof that the server still holds its position
                // (C2SessionOptions.WitnessTimeout bounds that): an empty replay may be a restarted sequence to backfill.
                var idle = IdleTimeoutSec > 0 && now >= lastItem.AddSeconds(IdleTimeoutSec);
                if (idle && !Verifying(accepts)) { endReason = "nothing arrived for -IdleTimeoutSec " + IdleTimeoutSec.ToString(CultureInfo.InvariantCulture); break; }
                // A bounded slice keeps diagnostics flowing while idle.
                var wait = TimeSpan.FromMilliseconds(500);
                if (deadline.HasValue && deadline.Value - now < wait) wait = deadline.Value - now;
                if (IdleTimeoutSec > 0 && !idle && lastItem.AddSeconds(IdleTimeoutSec) - now < wait) wait = lastItem.AddSeconds(IdleTimeoutSec) - now;
                reader.Wait(accepts, wait, StopToken);
            }
            WriteVerbose("Receive-C2Signal: " + written.ToString(CultureInfo.InvariantCulture) + " object(s) written; " + endReason + ".");
            return ended;
        }

        private bool Verifying(Func<StreamKey, bool>? accepts) =>
            _sessions.Any(s => s.Subscriptions.Any(x => x.Verifying && (accepts == null || accepts(x.Key))));

        /// <summary>Writes one item. Returns how many objects it wrote to the pipeline (a range filled from history writes
        /// its orders).</summary>
        private int Deliver(C2Session session, InboxTake taken, int budget)
        {
            switch (taken.Item)
            {
                case C2DeliveryGap gap:
                    return WriteGap(session, gap, taken, budget);
                case PositionMarker marker:
                    session.MarkEmitted(this, marker.Key, marker.Epoch, marker.Seq, marker.At);
                    return 0;
            }
            var message = (C2StreamMessage)taken.Item;
            var filler = session.Options.FillGapsFromHistory ? GapFiller.For(session) : null;
            if (filler != null && filler.AlreadyFilled(message))
            {
                // The order reached the pipeline from history (a range filled while the stream was behind): once only.
                WriteVerbose(session.Label + ": " + message.Channel + ":" + message.StrategyId + " seq_id " + message.SeqId +
                             " is an order already delivered from C2's REST history; not written again.");
                Emitted(session, message);
                return 0;
            }
            var delivered = false;
            session.MarkDelivering(message);
            try
            {
                WriteObject(message);
                delivered = true;
            }
            catch (PipelineStoppedException) when (!StopToken.IsCancellationRequested)
            {
                // A downstream command stopped the pipeline after taking this object (Select-Object -First N): it was
                // consumed. Ctrl+C (StopProcessing) is the other way a pipeline stops; then the object goes back.
                delivered = true;
                Emitted(session, message);
                throw;
            }
            finally
            {
                if (!delivered) session.Inbox.Requeue(taken);
            }
            Emitted(session, message);
            filler?.Delivered(message);
            return 1;
        }

        /// <summary>A range the stream could not deliver: with -FillGapsFromHistory, the orders C2's REST history holds for
        /// it are written here, at the range's place, after its report; without, the report names the command that
        /// fetches them. A range filled completely is a warning (nothing is missing any more), otherwise an error.</summary>
        private int WriteGap(C2Session session, C2DeliveryGap gap, InboxTake taken, int budget)
        {
            var filler = GapFiller.For(session);
            if (!session.Options.FillGapsFromHistory || gap.Channel != Channels.Signal)
            {
                WriteError(C2ErrorTable.Record(gap, gap.Channel == Channels.Signal ? filler.Describe(gap) : null));
                return 0;
            }
            var writing = filler.InProgress(gap);
            if (writing == null)
            {
                WriteVerbose(session.Label + ": asking C2's REST history for " + gap + ".");
                var result = filler.Fill(session, gap, WriteVerbose, StopToken);
                if (result.Complete) WriteWarning(C2ErrorTable.GapText(gap, result.Report));
                else WriteError(C2ErrorTable.Record(gap, result.Report));
                writing = filler.Begin(gap, result);
            }
            var orders = writing.Result.Orders;
            var n = 0;
            try
            {
                while (writing.Written < orders.Count && n < budget)
                {
                    // Like a stream message: in flight while the statement runs, committed once it completes (the next
                    // run does not write it again).
                    var order = orders[writing.Written];
                    session.MarkHistory(null, order);
                    try
                    {
                        WriteObject(order);
                    }
                    catch (PipelineStoppedException) when (!StopToken.IsCancellationRequested)
                    {
                        // Select-Object -First N took it, then stopped the pipeline: it was consumed.
                        writing.Written++;
                        session.MarkHistory(this, order);
                        throw;
                    }
                    writing.Written++;
                    n++;
                    session.MarkHistory(this, order);
                }
            }
            finally
            {
                // -Count reached, Ctrl+C, or a downstream command stopped the pipeline: the rest is written by the next read.
                if (writing.Written < orders.Count) session.Inbox.Requeue(taken);
                else filler.End(gap);
            }
            return n;
        }

        private void Emitted(C2Session session, C2StreamMessage message)
        {
            // Only a checkpoint keeps positions: without one, the timestamp is not parsed for every object written.
            if (message.SeqId is long seq && session.Checkpoint != null)
                session.MarkEmitted(this, message.Key, message.Epoch, seq, message.Timestamp,
                    session.Options.FillGapsFromHistory && session.Checkpoint != null ? OrderFacts.SignalIdOf(message) : null);
        }

        /// <summary>PowerShell disposes the command when the whole pipeline has ended (every downstream command finished,
        /// failed or was stopped): what this statement emitted may be committed from now on.</summary>
        public void Dispose()
        {
            foreach (var s in _sessions) s.CompleteStatement(this);
        }

        private sealed class Filter
        {
            public Func<StreamKey, bool>? Accepts;
            public HashSet<long>? Strategies;
        }

        /// <summary>The streams to read. A -StrategyId the sessions do not subscribe is a non-terminating error; null = nothing left to read.</summary>
        private Filter? BuildFilter()
        {
            var channels = Channel != null ? new HashSet<string>(Channel, StringComparer.Ordinal) : null;
            HashSet<long>? strategies = null;
            if (StrategyId != null)
            {
                strategies = new HashSet<long>();
                foreach (var id in StrategyId.Distinct())
                {
                    // An ended session's subscriptions are Closed: what it queued is still read (then C2SessionEnded).
                    var subscribed = _sessions.Any(s => s.Subscriptions.Any(sub => sub.StrategyId == id && (channels == null || channels.Contains(sub.Channel)) &&
                                                                                (sub.IsLive || (!s.IsOpen && sub.State == C2SubscriptionState.Closed))));
                    if (subscribed) { strategies.Add(id); continue; }
                    WriteError(Error(C2ErrorId.NotSubscribed, new ItemNotFoundException("Not subscribed."), id,
                        "Parameter -StrategyId: " + string.Join(", ", _sessions.Select(s => "session " + s.Id.ToString(CultureInfo.InvariantCulture))) + " does not subscribe to strategy " +
                        id.ToString(CultureInfo.InvariantCulture) + (channels == null ? "" : " on " + string.Join(", ", channels)) + ", so nothing would arrive for it. Run Add-C2Subscription -StrategyId " + id.ToString(CultureInfo.InvariantCulture) + " first."));
                }
                if (strategies.Count == 0) return null;
            }
            var piped = _pipedStreams.Count > 0 && strategies == null && channels == null ? _pipedStreams : null;
            var filter = new Filter { Strategies = strategies };
            if (channels != null || strategies != null || piped != null)
            {
                // Messages whose strategy cannot be known (empty StrategyId) pass every strategy filter: they may be the reader's.
                filter.Accepts = key =>
                    (channels == null || channels.Contains(key.Channel)) &&
                    (strategies == null || !key.StrategyId.HasValue || strategies.Contains(key.StrategyId.Value)) &&
                    (piped == null || !key.StrategyId.HasValue || piped.Contains(key));
            }
            return filter;
        }

        /// <summary>Streams replayed from their start that have not delivered anything: the run cannot confirm nothing was
        /// missed. Said once per session, and not again in later runs of the same checkpoint (only verbose then).</summary>
        private void WarnUnverified(Filter filter)
        {
            foreach (var s in _sessions)
            {
                foreach (var sub in s.Subscriptions.Where(x => x.StillUnconfirmed && (filter.Strategies == null || filter.Strategies.Contains(x.StrategyId))))
                {
                    if (!sub.Unverified || !s.FirstUnverifiedWarning(sub.Key))
                    {
                        WriteVerbose(sub + " has still delivered nothing since it was first watched" + (sub.AlreadyReported ? " (an earlier run with this checkpoint said so)" : "") + ".");
                        continue;
                    }
                    WriteWarning(sub + " has delivered nothing since it was first watched: it was replayed from its start (it had no seq_id to resume from) and nothing newer came. " +
                                 "If its very first signal (seq_id 1) was published in that time, the protocol cannot replay it (resume_from 0 means live only). Check the strategy with the C2 REST API if that matters.");
                }
            }
        }
    }
}
