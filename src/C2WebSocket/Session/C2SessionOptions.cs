using System;
using System.Net;
using System.Security;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>Everything a session is configured with. Timings default to the protocol's (docs/protocol.md §5, §10).</summary>
    internal sealed class C2SessionOptions
    {
        public Uri Uri { get; set; } = new Uri("wss://api4-general.collective2.com/ws");
        public SecureString ApiKey { get; set; } = new SecureString();
        public IWebProxy? Proxy { get; set; }
        public bool UseDefaultProxy { get; set; } = true;

        /// <summary>Opening a connection: DNS, TCP, TLS, upgrade and the server's connection.connected.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Waiting for a subscription.ack.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>After the ack of a resume, how long the last message delivered may take to come back as the replay's
        /// first message before the session concludes the server's sequence no longer holds it (and backfills).</summary>
        public TimeSpan WitnessTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// No message at all for this long means the connection is dead (half-open TCP, frozen server): the
        /// server heartbeats every 30 s and drops us 10 s after a missed ack, so 30 + 10 + 5 s of margin.
        /// </summary>
        public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(ProtocolLimits.HeartbeatIntervalSec + ProtocolLimits.HeartbeatGraceSec + 5);

        /// <summary>-1 = retry without limit, 0 = never reconnect.</summary>
        public int MaxReconnectAttempts { get; set; } = -1;

        /// <summary>The first reconnect delay; doubles per failed attempt, with jitter, up to <see cref="MaxReconnectInterval"/>.</summary>
        public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxReconnectInterval { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>After 429, 503 or a PolicyViolation close, wait at least this long (or the server's Retry-After).</summary>
        public TimeSpan ThrottledReconnectInterval { get; set; } = TimeSpan.FromSeconds(15);

        public int InboxCapacity { get; set; } = 10000;
        public int MaxMessageBytes { get; set; } = 1024 * 1024;
        public string? CheckpointPath { get; set; }
        /// <summary>The JSON type resume_from is sent as first. The session switches to the other one when the server
        /// refuses it with INVALID_PARAMETER (field ResumeFrom), unless <see cref="ResumeFromTypeFixed"/>.</summary>
        public ResumeFromWireType ResumeFromType { get; set; } = ResumeFromWireType.String;
        /// <summary>-ResumeFromFormat was given: use it and never switch.</summary>
        public bool ResumeFromTypeFixed { get; set; }

        /// <summary>-ManualCheckpoint: the checkpoint moves only through Save-C2Checkpoint.</summary>
        public bool ManualCheckpoint { get; set; }

        /// <summary>-FillGapsFromHistory: a range of signals the socket cannot deliver is asked of C2's REST history and the
        /// orders found are delivered at its place (Source 'History').</summary>
        public bool FillGapsFromHistory { get; set; }

        /// <summary>-RestUri: the REST API's address (null: derived from <see cref="Uri"/>).</summary>
        public Uri? RestUri { get; set; }

        /// <summary>-WaitForCheckpointSec: how long claiming a stream of the checkpoint waits for its current owner.</summary>
        public TimeSpan WaitForCheckpoint { get; set; } = TimeSpan.Zero;

        /// <summary>How often seq_ids processed by a C# consumer (<see cref="C2Session.MarkProcessed"/>) are made durable
        /// (also at the end). PowerShell statements follow the commit rule instead (<see cref="CheckpointCommits"/>).</summary>
        public TimeSpan CheckpointFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

        /// <summary>Seed for reconnect jitter (tests make it deterministic).</summary>
        public int? JitterSeed { get; set; }

        /// <summary>Every timer, delay and clock read of the session goes through this (tests pass a fake one).</summary>
        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

        /// <summary>How connections are opened (tests pass an in-memory transport).</summary>
        public IC2Transport Transport { get; set; } = WebSocketTransportFactory.Instance;

        /// <summary>A session of Test-C2Connection: it does not take a session id of the runspace.</summary>
        public bool IsProbe { get; set; }
    }
}
