namespace C2WebSocket.Transport
{
    /// <summary>Why a connection could not be opened. The cmdlet layer maps each to its ErrorId and category.</summary>
    public enum C2ConnectFailure
    {
        /// <summary>HTTP 401: the key is wrong. Never retried.</summary>
        AuthenticationFailed,
        /// <summary>HTTP 429: too many attempts, or the key's 10 connections are in use.</summary>
        RateLimited,
        /// <summary>HTTP 503: server connection limit or maintenance.</summary>
        ServiceUnavailable,
        /// <summary>Another HTTP status instead of 101.</summary>
        UpgradeFailed,
        DnsFailed,
        TcpFailed,
        TlsFailed,
        ProxyFailed,
        /// <summary>DNS, TCP, TLS, the upgrade and connection.connected did not complete in time.</summary>
        ConnectTimeout,
        /// <summary>Accepted, then closed at once with PolicyViolation (1008): the documented connect race.</summary>
        ConnectionRejected,
        ConnectFailed,
    }
}
