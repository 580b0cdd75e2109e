using System;
using System.Net;
using System.Security;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Everything a session is configured with. Timings default to the protocol's (reference §5, §10).</summary>
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
        public ResumeFromWireType ResumeFromType { get; set; } = ResumeFromWireType.String;

        /// <summary>How often processed seq_ids are made durable while a Receive-C2Signal runs (also at its end).</summary>
        public TimeSpan CheckpointFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

        /// <summary>Seed for reconnect jitter (tests make it deterministic).</summary>
        public int? JitterSeed { get; set; }
    }
}
