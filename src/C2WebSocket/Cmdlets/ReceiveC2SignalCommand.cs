using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// <para type="synopsis">Streams signals and position updates of a session into the pipeline as they arrive.</para>
    /// </summary>
    /// <remarks>
    /// Streams from EndProcessing so that everything piped in (sessions, subscriptions) is known first; each
    /// object is written as it arrives. The checkpoint advances only after WriteObject returns, that is after
    /// the rest of the pipeline processed the object. An object that could not be written (Ctrl+C, a downstream
    /// error) goes back to the front of the inbox for the next Receive-C2Signal.
    /// </remarks>
    [Cmdlet(VerbsCommunications.Receive, "C2Signal", DefaultParameterSetName = "Session")]
    [OutputType(typeof(C2Signal), typeof(C2PositionUpdate))]
    public sealed class ReceiveC2SignalCommand : C2SessionCmdletBase
    {
        [Parameter(ParameterSetName = "Session", Position = 0, ValueFromPipeline = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateNotNull]
        public C2Session? Session { get; set; }

        [Parameter(ParameterSetName = "Subscription", Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public C2Subscription[]? Subscription { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        [Parameter]
        [ValidateRange(0.001, 31536000.0)]
        public double TimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(0.001, 31536000.0)]
        public double IdleTimeoutSec { get; set; }

        private readonly List<C2Session> _sessions = new List<C2Session>();
        private readonly HashSet<string> _pipedStreams = new HashSet<string>(StringComparer.Ordinal);

        protected override void ProcessRecord()
        {
            if (Subscription != null)
            {
                foreach (var sub in Subscription)
                {
                    if (!_sessions.Contains(sub.Session)) _sessions.Add(sub.Session);
                    _pipedStreams.Add(sub.Key);
                }
            }
            else if (Session != null && !_sessions.Contains(Session))
            {
                _sessions.Add(Session);
            }
        }

        protected override void EndProcessing()
        {
            if (_sessions.Count == 0) _sessions.Add(ResolveSession(null));
            foreach (var s in _sessions) Touch(s);

            var strategyFilter = StrategyId != null ? new HashSet<long>(StrategyId) : null;
            var channelFilter = Channel != null ? new HashSet<string>(Channel, StringComparer.Ordinal) : null;
            var streamFilter = strategyFilter == null && channelFilter == null && _pipedStreams.Count > 0 ? _pipedStreams : null;
            Func<InboxItem, bool>? filter = null;
            if (strategyFilter != null || channelFilter != null || streamFilter != null)
            {
                filter = item =>
                    (channelFilter == null || channelFilter.Contains(item.Channel)) &&
                    (strategyFilter == null || !item.StrategyId.HasValue || strategyFilter.Contains(item.StrategyId.Value)) &&
                    (streamFilter == null || !item.StrategyId.HasValue || streamFilter.Contains(C2Subscription.StreamKey(item.Channel, item.StrategyId)));
            }

            var started = DateTime.UtcNow;
            DateTime? deadline = TimeoutSec > 0 ? started.AddSeconds(TimeoutSec) : (DateTime?)null;
            var lastItem = started;
            var written = 0;
            var slice = _sessions.Count > 1 ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(500);
            var next = 0;
            string? endReason = null;

            try
            {
                while (endReason == null)
                {
                    WriteDiagnostics();
                    if (Count > 0 && written >= Count) { endReason = "received " + written + " (-Count)"; break; }

                    var now = DateTime.UtcNow;
                    var wait = slice;
                    if (deadline.HasValue) wait = Min(wait, deadline.Value - now);
                    if (IdleTimeoutSec > 0) wait = Min(wait, lastItem.AddSeconds(IdleTimeoutSec) - now);
                    if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;

                    var session = _sessions[next++ % _sessions.Count];
                    var item = session.Take(filter, wait, StopToken);

                    if (item == null)
                    {
                        if (StopToken.IsCancellationRequested) { endReason = "stopped"; break; }
                        now = DateTime.UtcNow;
                        if (_sessions.All(s => s.InboxCompleted))
                        {
                            var s0 = _sessions[0];
                            endReason = "session " + s0.Id + " ended (" + s0.State + (s0.LastError != null ? ": " + s0.LastError : "") + ")";
                            if (s0.State == C2SessionState.Failed)
                                WriteWarning("Receive-C2Signal stopped because session " + s0.Id + " failed: " + s0.LastError);
                            break;
                        }
                        if (deadline.HasValue && now >= deadline.Value) { endReason = "-TimeoutSec " + TimeoutSec.ToString(CultureInfo.InvariantCulture) + " reached"; break; }
                        if (IdleTimeoutSec > 0 && now >= lastItem.AddSeconds(IdleTimeoutSec)) { endReason = "nothing arrived for -IdleTimeoutSec " + IdleTimeoutSec.ToString(CultureInfo.InvariantCulture); break; }
                        continue;
                    }

                    if (item.Gap != null)
                    {
                        WriteGap(item.Gap);
                        continue;
                    }

                    var delivered = false;
                    try
                    {
                        WriteObject(item.Message);
                        delivered = true;
                    }
                    catch (PipelineStoppedException ex) when (ex.GetType().Name == "StopUpstreamCommandsException")
                    {
                        // Select-Object -First N: this object was consumed; the pipeline wants no more.
                        delivered = true;
                        session.MarkProcessed(item.Message!);
                        throw;
                    }
                    finally
                    {
                        if (!delivered) session.Requeue(item);
                    }
                    written++;
                    lastItem = DateTime.UtcNow;
                    session.MarkProcessed(item.Message!);
                }
                WriteVerbose("Receive-C2Signal: " + written + " object(s) written; " + endReason + ".");
            }
            finally
            {
                foreach (var s in _sessions) s.FlushCheckpoint();
                if (!StopToken.IsCancellationRequested) WriteDiagnostics();
            }
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private void WriteGap(C2DeliveryGap gap)
        {
            string errorId;
            ErrorCategory category;
            switch (gap.Problem)
            {
                case C2DeliveryProblem.ReplayLimitExceeded: errorId = "C2ReplayGap"; category = ErrorCategory.LimitsExceeded; break;
                case C2DeliveryProblem.InboxOverflow: errorId = "C2InboxOverflow"; category = ErrorCategory.LimitsExceeded; break;
                default: errorId = "C2ResubscribeFailed"; category = ErrorCategory.ConnectionError; break;
            }
            var text = gap.Message + " Missing: " + gap.Range + (gap.Count.HasValue ? " (" + gap.Count.Value + " message(s) counted)" : "") + "." +
                       (gap.ServerMessage != null ? " The server said: " + gap.ServerMessage : "");
            var record = Error(new C2DeliveryException(text, gap), errorId, category, gap, text);
            WriteError(record);
        }
    }

    /// <summary>The exception inside a delivery-gap ErrorRecord.</summary>
    public sealed class C2DeliveryException : Exception
    {
        internal C2DeliveryException(string message, C2DeliveryGap gap) : base(message) { Gap = gap; }
        public C2DeliveryGap Gap { get; }
    }
}
