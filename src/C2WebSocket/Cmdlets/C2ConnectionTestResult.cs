using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>What Test-C2Connection found.</summary>
    public sealed class C2ConnectionTestResult
    {
        public Uri Uri { get; internal set; } = null!;
        /// <summary>The server accepted the key and sent connection.connected.</summary>
        public bool Authenticated { get; internal set; }
        /// <summary>HTTP status of the upgrade (101 when it succeeded).</summary>
        public int? StatusCode { get; internal set; }
        /// <summary>The failed step, when it failed.</summary>
        public string? FailedStep { get; internal set; }
        public string? ErrorId { get; internal set; }
        /// <summary>What the server said (X-WS-Error) or the failure, without the key.</summary>
        public string? Reason { get; internal set; }
        /// <summary>From starting the connection to receiving connection.connected.</summary>
        public double? RoundTripMs { get; internal set; }
        public int? ServerVersion { get; internal set; }
        public TimeSpan? ClockOffset { get; internal set; }
        public override string ToString() => CmdletTexts.ConnectionTest(Authenticated, Uri, Reason);
    }
}
