using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Subscribes a session to strategies' channels and waits for the acknowledgements.</para></summary>
    [Cmdlet(VerbsCommon.Add, "C2Subscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(C2Subscription))]
    public sealed class AddC2SubscriptionCommand : C2SessionCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[] StrategyId { get; set; } = Array.Empty<long>();

        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[] Channel { get; set; } = { Channels.Signal };

        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long ResumeFrom { get; set; }

        /// <summary>Seconds to wait for each acknowledgement; 0 waits without limit.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int TimeoutSec { get; set; } = 30;

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            var resume = MyInvocation.BoundParameters.ContainsKey(nameof(ResumeFrom)) && ResumeFrom > 0 ? ResumeFrom : (long?)null;
            if (resume.HasValue && Channel.Any(c => c != Channels.Signal))
                ThrowParameterError(nameof(ResumeFrom), CmdletTexts.ResumeFromSignalOnly, C2ErrorId.ResumeFromNotSupported);

            // With a checkpoint, every stream is claimed before anything is sent (one owner per stream, in a fixed order):
            // a run that finds another owning one of them subscribes none of them.
            if (session.Checkpoint != null && ShouldProcess(CmdletTexts.ClaimTarget(StrategyId.Distinct(), session.Checkpoint.Path), "Claim"))
            {
                var keys = StrategyId.Distinct().SelectMany(id => Channel.Distinct().Select(c => new StreamKey(c, id)));
                try { Await(async ct => { await session.Checkpoint.ClaimAsync(keys, ct).ConfigureAwait(false); return true; }); }
                catch (C2CheckpointInUseException ex) { ThrowTerminatingError(Error(C2ErrorId.CheckpointInUse, ex, ex.CheckpointPath, ex.Message)); }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                {
                    var text = CmdletTexts.ClaimFailed(session.Checkpoint.Path, ex.Message);
                    ThrowTerminatingError(Error(C2ErrorId.CheckpointWriteFailed, ex, session.Checkpoint.Path, text));
                }
            }

            // Send every request first, then wait: acks for many strategies arrive together.
            var timeout = TimeoutSec == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(TimeoutSec);
            var started = new List<(string Target, Task<C2Subscription> Task)>();
            foreach (var id in StrategyId.Distinct())
            {
                foreach (var channel in Channel.Distinct())
                {
                    var target = channel + ":" + id.ToString(CultureInfo.InvariantCulture);
                    if (!ShouldProcess(target + " on " + session, "Subscribe")) continue;
                    try { started.Add((target, session.SubscribeAsync(channel, id, resume, timeout, StopToken))); }
                    catch (InvalidOperationException ex) { WriteError(Error(C2ErrorId.SessionClosed, ex, session, ex.Message)); return; }
                }
            }
            foreach (var (target, task) in started)
            {
                try
                {
                    var sub = Await(_ => task);
                    WriteDiagnostics();
                    WriteObject(sub);
                }
                catch (C2ServerErrorException ex)
                {
                    WriteDiagnostics();
                    var action = CmdletTexts.RefusedAction(string.Equals(ex.Error.Code, "FORBIDDEN", StringComparison.OrdinalIgnoreCase), target);
                    WriteError(Error(C2ErrorId.SubscriptionRefused, ex, target, ex.Message, C2ErrorTable.ForServerCode(ex.Error.Code), action));
                }
                catch (C2LimitException ex)
                {
                    WriteError(Error(ex.ErrorId, ex, target, ex.Message));
                }
                catch (TimeoutException ex)
                {
                    WriteError(Error(C2ErrorId.SubscriptionTimeout, ex, target, ex.Message));
                }
                catch (InvalidOperationException ex)
                {
                    WriteError(Error(C2ErrorId.SessionClosed, ex, session, ex.Message));
                }
                catch (C2CheckpointInUseException ex)
                {
                    ThrowTerminatingError(Error(C2ErrorId.CheckpointInUse, ex, ex.CheckpointPath, ex.Message));
                }
            }
            // Where each new stream stands (watched since its acknowledgement) is written now, so a run killed before
            // any commit still continues from this watch.
            session.CommitCheckpoint();
            WriteDiagnostics();
        }
    }
}
