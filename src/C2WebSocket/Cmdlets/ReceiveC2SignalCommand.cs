using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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
            if (filter.NothingToRead) return;

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
                if (Count > 0 && written >= Count) { endReason = ReceiveTexts.CountReached(written); break; }
                // Checked before every take, so a busy stream (never a moment without a message) still ends on time,
                // between two objects.
                if (deadline.HasValue && clock.GetUtcNow().UtcDateTime >= deadline.Value) { endReason = ReceiveTexts.TimeoutReached(TimeoutSec); break; }
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
                if (StopToken.IsCancellationRequested) { endReason = ReceiveTexts.Stopped; break; }
                ended = _ends.Report(s => s.Inbox.Peekable(accepts) || (IncludeStateChange && s.StateChanges.Count > 0), WriteError, WriteVerbose);
                if (_ends.AllReported) { endReason = _ends.Summary(); break; }
                var now = clock.GetUtcNow().UtcDateTime;
                if (deadline.HasValue && now >= deadline.Value) { endReason = ReceiveTexts.TimeoutReached(TimeoutSec); break; }
                // Idle does not end a read while a resume waits for the proof that the server still holds its position
                // (C2SessionOptions.WitnessTimeout bounds that): an empty replay may be a restarted sequence to backfill.
                var idle = IdleTimeoutSec > 0 && now >= lastItem.AddSeconds(IdleTimeoutSec);
                if (idle && !Verifying(accepts)) { endReason = ReceiveTexts.IdleReached(IdleTimeoutSec); break; }
                // A bounded slice keeps diagnostics flowing while idle.
                var wait = TimeSpan.FromMilliseconds(500);
                if (deadline.HasValue && deadline.Value - now < wait) wait = deadline.Value - now;
                if (IdleTimeoutSec > 0 && !idle && lastItem.AddSeconds(IdleTimeoutSec) - now < wait) wait = lastItem.AddSeconds(IdleTimeoutSec) - now;
                reader.Wait(accepts, wait, StopToken);
            }
            WriteVerbose(ReceiveTexts.ReadEnded(written, endReason));
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
                    session.Marks.MarkEmitted(this, marker.Key, marker.Epoch, marker.Seq, marker.At);
                    return 0;
            }
            var message = (C2StreamMessage)taken.Item;
            var filler = session.Options.FillGapsFromHistory ? GapFiller.For(session) : null;
            if (filler != null && filler.AlreadyFilled(message))
            {
                // The order reached the pipeline from history (a range filled while the stream was behind): once only.
                WriteVerbose(ReceiveTexts.AlreadyFromHistory(session.Label, message));
                Emitted(session, message);
                return 0;
            }
            var delivered = false;
            session.Marks.MarkDelivering(message);
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
                WriteVerbose(ReceiveTexts.AskingHistory(session.Label, gap));
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
                    session.Marks.MarkHistory(null, order);
                    try
                    {
                        WriteObject(order);
                    }
                    catch (PipelineStoppedException) when (!StopToken.IsCancellationRequested)
                    {
                        // Select-Object -First N took it, then stopped the pipeline: it was consumed.
                        writing.Written++;
                        session.Marks.MarkHistory(this, order);
                        throw;
                    }
                    writing.Written++;
                    n++;
                    session.Marks.MarkHistory(this, order);
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
                session.Marks.MarkEmitted(this, message.Key, message.Epoch, seq, message.Timestamp,
                    session.Options.FillGapsFromHistory && session.Checkpoint != null ? OrderFacts.SignalIdOf(message) : null);
        }

        /// <summary>PowerShell disposes the command when the whole pipeline has ended (every downstream command finished,
        /// failed or was stopped): what this statement emitted may be committed from now on.</summary>
        public void Dispose() { foreach (var s in _sessions) s.Marks.CompleteStatement(this); }

        /// <summary>The streams to read; a -StrategyId the sessions do not subscribe is a non-terminating error.</summary>
        private ReadFilter BuildFilter()
        {
            var filter = ReadFilter.Build(_sessions, Channel, StrategyId, _pipedStreams);
            foreach (var id in filter.NotSubscribed)
                WriteError(Error(C2ErrorId.NotSubscribed, new ItemNotFoundException(ReceiveTexts.NotSubscribedShort), id,
                    ReceiveTexts.NotSubscribed(_sessions.Select(s => s.Id), id, filter.Channels)));
            return filter;
        }

        /// <summary>Streams replayed from their start that have not delivered anything: the run cannot confirm nothing was
        /// missed. Said once per session, and not again in later runs of the same checkpoint (only verbose then).</summary>
        private void WarnUnverified(ReadFilter filter)
        {
            foreach (var s in _sessions)
                foreach (var sub in filter.StillUnconfirmed(s))
                {
                    if (sub.Unverified && s.Marks.FirstUnverifiedWarning(sub.Key)) WriteWarning(ReceiveTexts.Unconfirmed(sub));
                    else WriteVerbose(ReceiveTexts.StillUnconfirmed(sub));
                }
        }
    }
}
