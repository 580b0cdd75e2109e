using System;

namespace C2WebSocket
{
    /// <summary>
    /// What the session loop learns about the connection that other threads read (Get-C2Session, format views): one
    /// immutable snapshot, replaced as a whole at each change by <see cref="C2Session"/>'s internal setters (the one place
    /// that builds it), read with one volatile read, so a nullable time wider than a machine word never tears.
    /// </summary>
    internal sealed class SessionFacts
    {
        public static readonly SessionFacts Initial = new SessionFacts(null, null, null, null);

        public SessionFacts(DateTimeOffset? connectedAt, DateTimeOffset? lastHeartbeatAt, int? serverVersion, string? lastError)
        {
            ConnectedAt = connectedAt; LastHeartbeatAt = lastHeartbeatAt; ServerVersion = serverVersion; LastError = lastError;
        }

        public DateTimeOffset? ConnectedAt { get; }
        public DateTimeOffset? LastHeartbeatAt { get; }
        public int? ServerVersion { get; }
        /// <summary>The loop's own last error (a lost connection, a failed connect); the diagnostics' last error is the fallback.</summary>
        public string? LastError { get; }

        public SessionFacts WithConnectedAt(DateTimeOffset? value) => new SessionFacts(value, LastHeartbeatAt, ServerVersion, LastError);
        public SessionFacts WithLastHeartbeatAt(DateTimeOffset? value) => new SessionFacts(ConnectedAt, value, ServerVersion, LastError);
        public SessionFacts WithServerVersion(int? value) => new SessionFacts(ConnectedAt, LastHeartbeatAt, value, LastError);
        public SessionFacts WithLastError(string? value) => new SessionFacts(ConnectedAt, LastHeartbeatAt, ServerVersion, value);
    }
}
