using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// A failed REST request: the method, the HTTP status, and what the server said in the documented envelope
    /// (<c>ResponseStatus</c> with <c>ErrorCode</c>, <c>Message</c>, <c>Errors[]</c>; docs/protocol.md §11). Never carries the key:
    /// server text that contains it is masked.
    /// </summary>
    public sealed class C2RestException : Exception
    {
        internal C2RestException(C2RestFailure failure, string endpoint, Uri uri, string message, int? statusCode = null, RestStatus? status = null,
            TimeSpan? retryAfter = null, int attempts = 1, Exception? inner = null)
            : base(message, inner)
        {
            Failure = failure; Endpoint = endpoint; Uri = uri; StatusCode = statusCode; RetryAfter = retryAfter; Attempts = attempts;
            ServerErrorCode = status?.ErrorCode;
            ServerMessage = status?.Message;
            Errors = status?.Errors ?? (IReadOnlyList<C2RestFieldError>)Array.Empty<C2RestFieldError>();
        }

        public C2RestFailure Failure { get; }
        /// <summary>The method: GetStrategyHistoricalOrders, ...</summary>
        public string Endpoint { get; }
        /// <summary>The address asked, without the query.</summary>
        public Uri Uri { get; }
        public int? StatusCode { get; }
        public string? ServerErrorCode { get; }
        public string? ServerMessage { get; }
        public IReadOnlyList<C2RestFieldError> Errors { get; }
        /// <summary>What the server's Retry-After asked for, when it sent one.</summary>
        public TimeSpan? RetryAfter { get; }
        /// <summary>Requests sent, retries included.</summary>
        public int Attempts { get; }
        /// <summary>The TLS handshake failed (the certificate is not valid and trusted).</summary>
        public bool IsTlsFailure { get; internal set; }
    }
}
