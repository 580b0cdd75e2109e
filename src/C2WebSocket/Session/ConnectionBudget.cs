using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>The connections this process holds per API key (C2 allows 10 per key, docs/protocol.md §10).</summary>
    internal static class ConnectionBudget
    {
        private static readonly Dictionary<string, int> Open = new Dictionary<string, int>(StringComparer.Ordinal);

        /// <summary>Takes a slot; <paramref name="force"/> takes it even past the limit (a session's first connection). Returns the count after.</summary>
        public static int Take(string keyFingerprint, bool force)
        {
            lock (Open)
            {
                Open.TryGetValue(keyFingerprint, out var n);
                if (!force && n >= ProtocolLimits.MaxConnectionsPerKey) return -1;
                Open[keyFingerprint] = n + 1;
                return n + 1;
            }
        }

        public static void Release(string keyFingerprint)
        {
            lock (Open)
            {
                if (!Open.TryGetValue(keyFingerprint, out var n)) return;
                if (n <= 1) Open.Remove(keyFingerprint); else Open[keyFingerprint] = n - 1;
            }
        }
    }
}
