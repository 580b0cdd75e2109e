using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>Completes -Channel with the two channel names.</summary>
    public sealed class ChannelCompleter : IArgumentCompleter
    {
        private static readonly (string Name, string Tip)[] Known =
        {
            (Channels.Signal, CmdletTexts.SignalChannelTip),
            (Channels.Positions, CmdletTexts.PositionsChannelTip),
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst,
                                                              IDictionary fakeBoundParameters)
        {
            var prefix = CompletionState.Prefix(wordToComplete);
            foreach (var (name, tip) in Known)
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tip);
            }
        }
    }
}
