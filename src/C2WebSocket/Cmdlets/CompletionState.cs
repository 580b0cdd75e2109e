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
}
