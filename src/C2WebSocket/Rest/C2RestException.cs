using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>Why a REST request failed. The cmdlet layer maps each to its ErrorId and category.</summary>
    public enum C2RestFailure
    {
        /// <summary>401: the key is wrong or revoked. Never retried.</summary>
        AuthenticationFailed,
        /// <summary>403: the key may not read this strategy.</summary>
        Forbidden,
        /// <summary>404: the method does not exist at this address.</summary>
        NotFound,
        /// <summary>400 or another 4xx: the server refused a parameter (it says which).</summary>
        Refused,
        /// <summary>429 after the retries (or a Retry-After longer than the module waits).</summary>
        RateLimited,
        /// <summary>502, 503 or 504 after the retries: maintenance or overload.</summary>
        Unavailable,
        /// <summary>500 or another 5xx: the server failed.</summary>
        ServerError,
        /// <summary>No whole answer within the request timeout.</summary>
        Timeout,
        /// <summary>DNS, TCP, TLS or the proxy failed.</summary>
        ConnectFailed,
        /// <summary>The answer is not the documented JSON (or a redirect, or a cursor that repeats).</summary>
        InvalidResponse,
    }

    /// <summary>One entry of the error envelope's <c>Errors</c>: which field, what code, what the server said.</summary>
    public sealed class C2RestFieldError
    {
        internal C2RestFieldError(string? errorCode, string? fieldName, string? message) { ErrorCode = errorCode; FieldName = fieldName; Message = message; }
        public string? ErrorCode { get; }
        public string? FieldName { get; }
        public string? Message { get; }
        public override string ToString() => (FieldName != null ? FieldName + ": " : "") + Message + (ErrorCode != null ? " (" + ErrorCode + ")" : "");
    }

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

    /// <summary>The documented error envelope, read in any casing: <c>ResponseStatus { ErrorCode, Message, Errors[] }</c>.</summary>
    internal sealed class RestStatus
    {
        public string? ErrorCode { get; private set; }
        public string? Message { get; private set; }
        public List<C2RestFieldError> Errors { get; } = new List<C2RestFieldError>();
        public bool IsEmpty => string.IsNullOrEmpty(ErrorCode) && string.IsNullOrEmpty(Message) && Errors.Count == 0;

        /// <summary>The server's words, in one sentence: "BadRequest (400): StrategyId: Missing value (1102)."</summary>
        public string Describe()
        {
            var parts = new List<string>();
            if (!string.IsNullOrEmpty(Message) || !string.IsNullOrEmpty(ErrorCode))
                parts.Add((Message ?? "") + (string.IsNullOrEmpty(ErrorCode) ? "" : " (" + ErrorCode + ")"));
            foreach (var e in Errors) parts.Add(e.ToString());
            return string.Join("; ", parts).Trim();
        }

        /// <summary>The ResponseStatus of a JSON answer, or null when the body has none (or is not JSON).</summary>
        public static RestStatus? Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object || !RestJson.TryGet(root, "ResponseStatus", out var rs) || rs.ValueKind != JsonValueKind.Object) return null;
            var status = new RestStatus { ErrorCode = RestJson.Text(rs, "ErrorCode"), Message = RestJson.Text(rs, "Message") };
            if (RestJson.TryGet(rs, "Errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                foreach (var e in errors.EnumerateArray())
                    if (e.ValueKind == JsonValueKind.Object)
                        status.Errors.Add(new C2RestFieldError(RestJson.Text(e, "ErrorCode"), RestJson.Text(e, "FieldName"), RestJson.Text(e, "Message")));
            return status;
        }

        public static RestStatus? Read(byte[] body)
        {
            if (body.Length == 0) return null;
            try
            {
                using (var doc = JsonDocument.Parse(body)) return Read(doc.RootElement);
            }
            catch (JsonException) { return null; }
        }

        /// <summary>The same status with the key masked wherever the server's text repeats it.</summary>
        public RestStatus Masked(SecureString key)
        {
            var m = new RestStatus { ErrorCode = KeyMask.Apply(key, ErrorCode), Message = KeyMask.Apply(key, Message) };
            foreach (var e in Errors) m.Errors.Add(new C2RestFieldError(KeyMask.Apply(key, e.ErrorCode), KeyMask.Apply(key, e.FieldName), KeyMask.Apply(key, e.Message)));
            return m;
        }
    }
}
