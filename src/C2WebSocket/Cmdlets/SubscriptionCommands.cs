using System;
using System.Collections.Generic;
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
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateNotNull]
        public C2Session? Session { get; set; }

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long[] StrategyId { get; set; } = Array.Empty<long>();

        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[] Channel { get; set; } = { Channels.Signal };

        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long ResumeFrom { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        protected override void ProcessRecord()
        {
            var session = ResolveSession(Session);
            var resume = MyInvocation.BoundParameters.ContainsKey(nameof(ResumeFrom)) ? ResumeFrom : (long?)null;
            if (resume.HasValue && Channel.Any(c => c != Channels.Signal))
            {
                ThrowTerminatingError(Error(new ArgumentException("-ResumeFrom applies to strategy.signal only.", nameof(ResumeFrom)), "C2ResumeFromNotSupported", ErrorCategory.InvalidArgument, ResumeFrom,
                    "Parameter -ResumeFrom: C2 replays strategy.signal only; remove strategy.positions from -Channel or drop -ResumeFrom."));
            }

            // Send every request first, then wait: acks for many strategies arrive together.
            var started = new List<(long Id, string Channel, Task<C2Subscription> Task)>();
            foreach (var id in StrategyId.Distinct())
            {
                foreach (var channel in Channel.Distinct())
                {
                    if (!ShouldProcess(channel + ":" + id + " on " + session, "Subscribe")) continue;
                    started.Add((id, channel, session.SubscribeAsync(channel, id, resume, TimeSpan.FromSeconds(TimeoutSec), StopToken)));
                }
            }
            foreach (var (id, channel, task) in started)
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
                    var record = Error(ex, "C2SubscriptionRefused", C2Session.CategoryFor(ex.Error.Code), channel + ":" + id, ex.Message);
                    record.ErrorDetails.RecommendedAction = ex.Error.Code == "FORBIDDEN" ? "Check that this API key is authorized for strategy " + id + "." : "Correct the request and try again.";
                    WriteError(record);
                }
                catch (C2LimitException ex)
                {
                    WriteError(Error(ex, ex.ErrorId, ErrorCategory.LimitsExceeded, channel + ":" + id, ex.Message));
                }
                catch (TimeoutException ex)
                {
                    WriteError(Error(ex, "C2SubscriptionTimeout", ErrorCategory.OperationTimeout, channel + ":" + id, ex.Message));
                }
                catch (InvalidOperationException ex)
                {
                    WriteError(Error(ex, "C2SessionClosed", ErrorCategory.ResourceUnavailable, session, ex.Message));
                }
            }
        }
    }

    /// <summary><para type="synopsis">Unsubscribes a session from strategies' channels.</para></summary>
    [Cmdlet(VerbsCommon.Remove, "C2Subscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Subscription")]
    [OutputType(typeof(C2Subscription))]
    public sealed class RemoveC2SubscriptionCommand : C2SessionCmdletBase
    {
        [Parameter(ParameterSetName = "Subscription", Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public C2Subscription[]? Subscription { get; set; }

        [Parameter(ParameterSetName = "StrategyId")]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateNotNull]
        public C2Session? Session { get; set; }

        [Parameter(ParameterSetName = "StrategyId", Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter(ParameterSetName = "StrategyId", ValueFromPipelineByPropertyName = true)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 10;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<C2Subscription> targets;
            if (ParameterSetName == "Subscription")
            {
                targets = Subscription!;
            }
            else
            {
                var session = ResolveSession(Session);
                var list = new List<C2Subscription>();
                foreach (var id in StrategyId!)
                {
                    var found = session.Subscriptions.Where(s => s.StrategyId == id && (Channel == null || Channel.Contains(s.Channel))).ToList();
                    if (found.Count == 0)
                        WriteError(Error(new ItemNotFoundException("Not subscribed."), "C2SubscriptionNotFound", ErrorCategory.ObjectNotFound, id,
                            "Parameter -StrategyId: session " + session.Id + " has no subscription to strategy " + id + (Channel == null ? "" : " on " + string.Join(", ", Channel)) + "."));
                    list.AddRange(found);
                }
                targets = list;
            }
            foreach (var sub in targets)
            {
                Touch(sub.Session);
                if (!ShouldProcess(sub.Key + " on " + sub.Session, "Unsubscribe")) continue;
                try
                {
                    Await(ct => sub.Session.UnsubscribeAsync(sub, TimeSpan.FromSeconds(TimeoutSec), ct));
                }
                catch (C2ServerErrorException ex)
                {
                    WriteError(Error(ex, "C2UnsubscribeRefused", C2Session.CategoryFor(ex.Error.Code), sub, ex.Message));
                }
                catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException || ex is InvalidOperationException)
                {
                    WriteError(Error(ex, "C2UnsubscribeFailed", ErrorCategory.ConnectionError, sub,
                        "Unsubscribing from " + sub.Key + " could not be sent (" + ex.Message + "); it is removed locally and not restored after a reconnect."));
                }
                WriteDiagnostics();
                if (PassThru) WriteObject(sub);
            }
        }
    }

    /// <summary><para type="synopsis">Gets the subscriptions of a session.</para></summary>
    [Cmdlet(VerbsCommon.Get, "C2Subscription")]
    [OutputType(typeof(C2Subscription))]
    public sealed class GetC2SubscriptionCommand : C2SessionCmdletBase
    {
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateNotNull]
        public C2Session? Session { get; set; }

        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter(Position = 1)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        protected override void ProcessRecord()
        {
            var session = ResolveSession(Session);
            foreach (var s in session.Subscriptions)
            {
                if (StrategyId != null && !StrategyId.Contains(s.StrategyId)) continue;
                if (Channel != null && !Channel.Contains(s.Channel)) continue;
                WriteObject(s);
            }
        }
    }
}
