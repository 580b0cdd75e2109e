using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Unsubscribes a session from strategies' channels.</para></summary>
    [Cmdlet(VerbsCommon.Remove, "C2Subscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Subscription")]
    [OutputType(typeof(C2Subscription))]
    public sealed class RemoveC2SubscriptionCommand : C2SessionCmdletBase
    {
        [Parameter(ParameterSetName = "Subscription", Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public C2Subscription[]? Subscription { get; set; }

        [Parameter(ParameterSetName = "StrategyId", Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter(ParameterSetName = "StrategyId", ValueFromPipelineByPropertyName = true)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        /// <summary>Seconds to wait for the server's reply to each unsubscribe; 0 waits without limit.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
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
                var session = ResolveSession();
                var list = new List<C2Subscription>();
                foreach (var id in StrategyId!)
                {
                    var found = session.Subscriptions.Where(s => s.StrategyId == id && (Channel == null || Channel.Contains(s.Channel)) && s.IsLive).ToList();
                    if (found.Count == 0)
                        WriteError(Error(C2ErrorId.SubscriptionNotFound, new ItemNotFoundException(CmdletTexts.NotSubscribedShort), id,
                            CmdletTexts.NoSubscription(session.Id, id, Channel)));
                    list.AddRange(found);
                }
                targets = list;
            }
            var timeout = TimeoutSec == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(TimeoutSec);
            foreach (var sub in targets)
            {
                Touch(sub.Session);
                if (!ShouldProcess(sub + " on " + sub.Session, "Unsubscribe")) continue;
                try
                {
                    var result = Await(ct => sub.Session.UnsubscribeAsync(sub, timeout, ct));
                    WriteVerbose(CmdletTexts.Unsubscribed(sub, result.Answered, result.Dropped));
                }
                catch (C2ServerErrorException ex)
                {
                    WriteError(Error(C2ErrorId.UnsubscribeRefused, ex, sub, ex.Message, C2ErrorTable.ForServerCode(ex.Error.Code)));
                }
                WriteDiagnostics();
                if (PassThru) WriteObject(sub);
            }
        }
    }
}
