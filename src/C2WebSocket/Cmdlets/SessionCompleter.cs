using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>Completes -Session (every cmdlet) and Get-C2Session -Id with the ids of the runspace's open sessions, each
    /// with its state, address and subscriptions as the tooltip. -Session takes the id (see SessionTransformationAttribute).</summary>
    public sealed class SessionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst,
                                                              IDictionary fakeBoundParameters)
        {
            var prefix = CompletionState.Prefix(wordToComplete);
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null) yield break;
            var def = SessionRegistry.Default(runspace);
            foreach (var s in SessionRegistry.All(runspace).OrderBy(x => x.Id))
            {
                var id = s.Id.ToString(CultureInfo.InvariantCulture);
                if (!id.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var isDefault = ReferenceEquals(s, def);
                var tip = CmdletTexts.SessionTip(id, s.State, s.Uri, s.Subscriptions.Count, isDefault);
                yield return new CompletionResult(id, CmdletTexts.SessionListItem(id, s.State, isDefault), CompletionResultType.ParameterValue, tip);
            }
        }
    }
}
