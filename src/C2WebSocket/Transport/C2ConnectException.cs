using System;
using System.Management.Automation;

namespace C2WebSocket.Transport
{
    /// <summary>The step of opening a connection that failed.</summary>
    public enum C2ConnectStep
    {
        Validation,
        Dns,
        Proxy,
        Tcp,
        Tls,
        Upgrade,
        Timeout,
        Handshake,
    }

    /// <summary>
    /// A failed attempt to open the WebSocket. Carries which step failed, for which URI, the HTTP status
    /// and the server's reason (the <c>X-WS-Error</c> header) when there is one. Never carries the API key.
    /// </summary>
    public sealed class C2ConnectException : Exception
    {
        public C2ConnectStep Step { get; }
        public Uri Uri { get; }
        public int? StatusCode { get; }
        public string? ServerReason { get; }
        public TimeSpan? RetryAfter { get; }
        public string ErrorId { get; }
        public ErrorCategory Category { get; }

        /// <summary>401: the key is wrong. Never retried automatically.</summary>
        public bool IsAuthenticationFailure => StatusCode == 401;

        /// <summary>429, 503 or a PolicyViolation close: the server asked us to slow down.</summary>
        public bool IsThrottle { get; }

        internal C2ConnectException(string errorId, ErrorCategory category, C2ConnectStep step, Uri uri, string message,
            int? statusCode = null, string? serverReason = null, TimeSpan? retryAfter = null, bool isThrottle = false, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            Step = step;
            Uri = uri;
            StatusCode = statusCode;
            ServerReason = serverReason;
            RetryAfter = retryAfter;
            IsThrottle = isThrottle;
        }
    }
}
