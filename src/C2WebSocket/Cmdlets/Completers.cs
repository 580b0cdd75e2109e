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
    /// <summary>
    /// Tab completion from local state only (never the network): strategy ids, channels and sessions.
    /// Completers run on the pipeline thread of the runspace being completed, so the runspace's sessions are at hand.
    /// </summary>
    internal static class CompletionState
    {
        /// <summary>The explicit -Session (when it can be evaluated without side effects), else the default session, else every session.</summary>
        public static IReadOnlyList<C2Session> Sessions(IDictionary? fakeBoundParameters)
        {
            var explicitSession = Unwrap(fakeBoundParameters != null && fakeBoundParameters.Contains("Session") ? fakeBoundParameters["Session"] : null);
            if (explicitSession is C2Session s) return new[] { s };
            if (explicitSession is IEnumerable many && !(explicitSession is string))
            {
                var list = many.Cast<object?>().Select(Unwrap).OfType<C2Session>().ToList();
                if (list.Count > 0) return list;
            }
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null) return Array.Empty<C2Session>();
            var d = SessionRegistry.Default(runspace);
            if (d != null) return new[] { d };
            return SessionRegistry.All(runspace);
        }

        public static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

        /// <summary>Strips quotes a user may have typed before pressing Tab.</summary>
        public static string Prefix(string? wordToComplete) => (wordToComplete ?? "").Trim('\'', '"');
    }

    /// <summary>Completes -StrategyId from the session's subscriptions and its checkpoint file's streams.</summary>
    public sealed class StrategyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
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
                        if (sub.IsLive) Note(sub.StrategyId, sub.Channel + " (" + sub.State + ")");
                    foreach (var kv in session.CheckpointSnapshot())
                    {
                        if (StreamKey.TryParse(kv.Key, out var key) && key.StrategyId is long id)
                            Note(id, key.Channel + " checkpoint " + (kv.Value.Seq is long seq ? "seq " + seq.ToString(CultureInfo.InvariantCulture) : "watching"));
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
                yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, "Strategy " + text + ": " + string.Join(", ", kv.Value));
            }
        }
    }

    /// <summary>Completes -Channel with the two channel names.</summary>
    public sealed class ChannelCompleter : IArgumentCompleter
    {
        private static readonly (string Name, string Tip)[] Known =
        {
            (Channels.Signal, "strategy.signal: trading signals (orders) of a strategy; replayable with -ResumeFrom"),
            (Channels.Positions, "strategy.positions: position updates of a strategy; live only"),
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = CompletionState.Prefix(wordToComplete);
            foreach (var (name, tip) in Known)
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tip);
            }
        }
    }

    /// <summary>Completes -Session (every cmdlet) and Get-C2Session -Id with the ids of the runspace's open sessions, each
    /// with its state, address and subscriptions as the tooltip. -Session takes the id (see SessionTransformationAttribute).</summary>
    public sealed class SessionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
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
                var tip = "Session " + id + ": " + s.State + ", " + s.Uri + ", " + s.Subscriptions.Count.ToString(CultureInfo.InvariantCulture) + " subscription(s)" + (isDefault ? " (the default session)" : "");
                yield return new CompletionResult(id, "Session " + id + " " + s.State + (isDefault ? " (default)" : ""), CompletionResultType.ParameterValue, tip);
            }
        }
    }
}
