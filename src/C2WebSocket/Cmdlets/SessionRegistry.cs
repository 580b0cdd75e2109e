using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// The sessions of each runspace and its default session. When a runspace closes, its sessions are closed
    /// too, so no background loop outlives the runspace that started it.
    /// </summary>
    internal static class SessionRegistry
    {
        private sealed class Entry
        {
            public readonly List<C2Session> Sessions = new List<C2Session>();
            public C2Session? Default;
        }

        private static readonly ConditionalWeakTable<Runspace, Entry> Table = new ConditionalWeakTable<Runspace, Entry>();

        private static Entry For(Runspace runspace)
        {
            return Table.GetValue(runspace, rs =>
            {
                rs.StateChanged += (sender, e) =>
                {
                    var state = e.RunspaceStateInfo.State;
                    if (state == RunspaceState.Closing || state == RunspaceState.Closed || state == RunspaceState.Broken)
                        CloseAll((Runspace)sender!);
                };
                return new Entry();
            });
        }

        public static void Add(Runspace runspace, C2Session session)
        {
            var e = For(runspace);
            lock (e) { e.Sessions.Add(session); e.Default = session; }
        }

        public static void Remove(Runspace runspace, C2Session session)
        {
            var e = For(runspace);
            lock (e)
            {
                e.Sessions.Remove(session);
                if (ReferenceEquals(e.Default, session)) e.Default = null;
            }
        }

        public static C2Session? Default(Runspace runspace)
        {
            var e = For(runspace);
            lock (e) return e.Default;
        }

        public static IReadOnlyList<C2Session> All(Runspace runspace)
        {
            var e = For(runspace);
            lock (e) return e.Sessions.ToArray();
        }

        /// <summary>"Open sessions: 1, 3" (or "No session is open."), for messages about a session that was not found.</summary>
        public static string OpenIdsText(Runspace runspace)
        {
            return CmdletTexts.OpenIds(All(runspace).Select(s => s.Id).ToList());
        }

        private static void CloseAll(Runspace runspace)
        {
            if (!Table.TryGetValue(runspace, out var e)) return;
            C2Session[] sessions;
            lock (e) { sessions = e.Sessions.ToArray(); e.Sessions.Clear(); e.Default = null; }
            foreach (var s in sessions) s.Dispose();
        }
    }
}
