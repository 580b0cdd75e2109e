using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    internal enum LinkState
    {
        /// <summary>Created, not connecting yet.</summary>
        Idle,
        /// <summary>DNS, TCP, TLS and the upgrade are under way.</summary>
        Connecting,
        /// <summary>Upgraded; waiting for connection.connected.</summary>
        Handshake,
        Ready,
        /// <summary>Lost; a reconnect is scheduled.</summary>
        Backoff,
        Closed,
    }

    /// <summary>
    /// One connection slot of a session and the state the loop keeps about it. A session has one; it opens more only
    /// when the server's messages do not name their strategy, so that each strategy is known by its connection.
    /// Only the session loop touches a Link; the receive pump only reads its connection.
    /// </summary>
    internal sealed class Link
    {
        public Link(int id) { Id = id; }

        public int Id { get; }
        /// <summary>Bumped for each connection attempt: inputs of an older connection are ignored.</summary>
        public int Gen;
        public LinkState State;
        public IC2Connection? Connection;
        /// <summary>Connection attempts since the last connection that lived long enough.</summary>
        public int Attempt;
        public long StartedTicks;
        public long LastFrameTicks;
        /// <summary>The reconnect delay or the handshake deadline.</summary>
        public ITimer? Timer;
        /// <summary>Why the loop aborted the connection (watchdog, handshake deadline): reported as the end reason.</summary>
        public string? AbortReason;
        public bool HandshakeTimedOut;
        /// <summary>Holds one of the key's connection slots (see <see cref="ConnectionBudget"/>).</summary>
        public bool HoldsBudget;
        /// <summary>Resubscribes sent after the last (re)connect and not yet answered: the session reads Connected only when none is left.</summary>
        public int ResubscribesOutstanding;
        /// <summary>The stream of the most recent acknowledged subscribe with resume_from: a <c>gap</c> that names no stream is its.</summary>
        public StreamKey? LastReplayAcked;
        /// <summary>Channels on which this link carries several strategies whose messages cannot be told apart (no budget left to split).</summary>
        public readonly HashSet<string> Ambiguous = new HashSet<string>(StringComparer.Ordinal);
        public bool EverReady;
        /// <summary>When connection.connected arrived on the current connection (0 before).</summary>
        public long ReadyTicks;
        /// <summary>Messages received on the current connection after connection.connected.</summary>
        public int MessagesSinceReady;
        /// <summary>When the server last closed a connection of this slot with PolicyViolation (0 never).</summary>
        public long LastPolicyCloseTicks;

        public override string ToString() => "connection " + Id;
    }

    /// <summary>How one connection ended, for the reconnect decision.</summary>
    internal sealed class ConnectionEnd
    {
        public string Reason { get; set; } = "";
        public WebSocketCloseStatus? CloseStatus { get; set; }
        public string? CloseDescription { get; set; }
        public MessageTooLargeException? TooLarge { get; set; }
    }

    internal enum InputKind
    {
        Frame,
        Ended,
        ConnectDone,
        ReconnectDue,
        HandshakeDeadline,
        Watchdog,
        RequestTimeout,
        WaiterTimeout,
        Open,
        Subscribe,
        Unsubscribe,
        Close,
        Room,
        WitnessDue,
    }

    /// <summary>One thing the session loop must handle: a frame, a connection event, a timer or a user command.</summary>
    internal readonly struct Input
    {
        public Input(InputKind kind, Link? link = null, int gen = 0, byte[]? data = null, bool binary = false, object? arg = null)
        {
            Kind = kind; Link = link; Gen = gen; Data = data; Binary = binary; Arg = arg;
        }
        public InputKind Kind { get; }
        public Link? Link { get; }
        public int Gen { get; }
        public byte[]? Data { get; }
        public bool Binary { get; }
        public object? Arg { get; }
    }

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

    internal static class KeyFingerprint
    {
        private static readonly byte[] Salt = Guid.NewGuid().ToByteArray();

        /// <summary>A per-process salted hash, used only to count connections per key. Never output.</summary>
        public static string Of(System.Security.SecureString key)
        {
            var ptr = IntPtr.Zero;
            var bytes = new byte[key.Length * 2 + Salt.Length];
            try
            {
                ptr = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(key);
                System.Runtime.InteropServices.Marshal.Copy(ptr, bytes, 0, key.Length * 2);
                Buffer.BlockCopy(Salt, 0, bytes, key.Length * 2, Salt.Length);
                using (var sha = System.Security.Cryptography.SHA256.Create())
                    return Convert.ToBase64String(sha.ComputeHash(bytes));
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
                if (ptr != IntPtr.Zero) System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
