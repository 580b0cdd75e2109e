using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// The REST client of each session: one HttpClient per session and REST address, made on first use with the
    /// session's key, proxy, TLS rule and request timeout, and disposed when the session ends (Disconnected or Failed).
    /// Kept beside the session rather than in it, so the session stays the socket's (Session/README.md); the gap fill
    /// of the session loop takes its client from here.
    /// </summary>
    internal static class RestClients
    {
        private sealed class Holder
        {
            public readonly Dictionary<Uri, C2RestClient> ByBase = new Dictionary<Uri, C2RestClient>();
            public bool Closed;
        }

        private static readonly ConditionalWeakTable<C2Session, Holder> Table = new ConditionalWeakTable<C2Session, Holder>();

        /// <summary>The session's client for <paramref name="restUri"/> (null: derived from the session's -Uri).
        /// Throws InvalidOperationException when the session has ended, or when the address would send the key in the clear.</summary>
        public static C2RestClient For(C2Session session, Uri? restUri)
        {
            var settings = RestSettings.For(session.Options, restUri);
            var holder = Table.GetValue(session, s =>
            {
                var h = new Holder();
                s.StateChanged += (_, e) =>
                {
                    if (e.State == C2SessionState.Disconnected || e.State == C2SessionState.Failed) Close(h);
                };
                return h;
            });
            lock (holder)
            {
                if (holder.Closed || !session.IsOpen) throw new InvalidOperationException("The session is " + session.State + ".");
                if (!holder.ByBase.TryGetValue(settings.BaseUri, out var client))
                    holder.ByBase[settings.BaseUri] = client = new C2RestClient(settings);
                return client;
            }
        }

        private static void Close(Holder h)
        {
            C2RestClient[] clients;
            lock (h)
            {
                h.Closed = true;
                clients = new C2RestClient[h.ByBase.Count];
                h.ByBase.Values.CopyTo(clients, 0);
                h.ByBase.Clear();
            }
            foreach (var c in clients)
            {
                try { c.Dispose(); } catch (Exception) { /* background: never throws */ }
            }
        }
    }
}
