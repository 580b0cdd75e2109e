using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using C2WebSocket.History;
using C2WebSocket.Rest;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Gets a strategy's working orders from C2's REST API.</para></summary>
    [Cmdlet(VerbsCommon.Get, "C2ActiveOrder", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(C2RestRow))]
    public sealed class GetC2ActiveOrderCommand : C2RestRowsCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation]
        [ValidateRange(1, long.MaxValue)]
        public long[] StrategyId { get; set; } = Array.Empty<long>();

        protected override void ProcessRecord()
        {
            var client = ResolveClient();
            foreach (var id in StrategyId)
            {
                // The documented singular StrategyId (some clients send StrategyIds): a refusal names the parameter.
                var query = new List<KeyValuePair<string, string>>
                {
                    GetC2StrategyHistoryCommand.Pair("StrategyId", id.ToString(CultureInfo.InvariantCulture)),
                };
                WriteRows(client, RestEndpoints.ActiveOrders, id, query, null, null, "working orders");
            }
        }
    }
}
