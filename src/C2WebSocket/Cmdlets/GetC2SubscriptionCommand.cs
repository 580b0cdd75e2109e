using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Gets the subscriptions of a session.</para></summary>
    [Cmdlet(VerbsCommon.Get, "C2Subscription")]
    [OutputType(typeof(C2Subscription))]
    public sealed class GetC2SubscriptionCommand : C2SessionCmdletBase
    {
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[]? StrategyId { get; set; }

        [Parameter(Position = 1)]
        [ValidateSet(Channels.Signal, Channels.Positions)]
        [ArgumentCompleter(typeof(ChannelCompleter))]
        public string[]? Channel { get; set; }

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            foreach (var s in session.Subscriptions)
            {
                if (StrategyId != null && !StrategyId.Contains(s.StrategyId)) continue;
                if (Channel != null && !Channel.Contains(s.Channel)) continue;
                WriteObject(s);
            }
        }
    }
}
