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
    /// <summary>Completes -StrategyId from the session's subscriptions and its checkpoint file's streams.</summary>
    public sealed class StrategyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst,
                                                              IDictionary fakeBoundParameters)
        {
            var prefix = CompletionState.Prefix(wordToComplete);
            var found = new SortedDictionary<long, SortedSet<string>>();
            void Note(long id, string what)
            {
                if (!found.TryGetValue(id, out var set)) found[id] = set = new SortedSet<string>(StringComparer.Ordinal);
                set.Add(what);
            }
            try
            {
                foreach (var session in CompletionState.Sessions(fakeBoundParameters))
                {
                    foreach (var sub in session.Subscriptions)
                        if (sub.IsLive) Note(sub.StrategyId, CmdletTexts.SubscriptionTip(sub.Channel, sub.State));
                    foreach (var kv in session.Marks.Snapshot())
                    {
                        if (StreamKey.TryParse(kv.Key, out var key) && key.StrategyId is long id)
                            Note(id, CmdletTexts.CheckpointTip(key.Channel, kv.Value.Seq));
                    }
                }
            }
            catch (Exception)
            {
                // Completion must never throw at the user.
            }
            foreach (var kv in found)
            {
                var text = kv.Key.ToString(CultureInfo.InvariantCulture);
                if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
                yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, CmdletTexts.StrategyTip(text, kv.Value));
            }
        }
    }
}
