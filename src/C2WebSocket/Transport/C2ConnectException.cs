using System;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// A failed attempt to open the WebSocket. Carries which step failed, for which URI, the HTTP status and the
    /// server's reason (the <c>X-WS-Error</c> header or close description) when there is one. Never carries the API key.
    /// </summary>
    public sealed class C2ConnectException : Exception
    {
        public C2ConnectFailure Failure { get; }
        public C2ConnectStep Step { get; }
        public Uri Uri { get; }
        public int? StatusCode { get; }
        public string? ServerReason { get; }
        public TimeSpan? RetryAfter { get; }

        /// <summary>401: the key is wrong. Never retried automatically.</summary>
        public bool IsAuthenticationFailure => Failure == C2ConnectFailure.AuthenticationFailed;

        /// <summary>429, 503 or a PolicyViolation close: the server asked us to slow down.</summary>
        public bool IsThrottle { get; }

        internal C2ConnectException(C2ConnectFailure failure, C2ConnectStep step, Uri uri, string message,
            int? statusCode = null, string? serverReason = null, TimeSpan? retryAfter = null, bool isThrottle = false, Exception? inner = null)
            : base(message, inner)
        {
            Failure = failure;
            Step = step;
            Uri = uri;
            StatusCode = statusCode;
            ServerReason = serverReason;
            RetryAfter = retryAfter;
            IsThrottle = isThrottle;
        }
    }
}
