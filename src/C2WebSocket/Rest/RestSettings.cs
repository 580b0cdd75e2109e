using System;
using System.Net;
using System.Net.Http;
using System.Security;

namespace C2WebSocket.Rest
{
    /// <summary>What a REST client needs. Holds the key only as a SecureString.</summary>
    internal sealed class RestSettings
    {
        public Uri BaseUri { get; set; } = RestEndpoints.Production;
        public SecureString ApiKey { get; set; } = null!;
        public IWebProxy? Proxy { get; set; }
        public bool UseDefaultProxy { get; set; } = true;

        /// <summary>The default per-request limit (each call may pass its own): sending, the server's work and reading
        /// the whole answer.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How many times a 429, 502, 503 or 504 is retried (after Retry-After, or a doubling delay).</summary>
        public int MaxRetries { get; set; } = 3;

        /// <summary>The first retry delay when the server sends no Retry-After; doubles per retry.</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>The longest wait before a retry. A Retry-After beyond it is not waited for: the request fails and
        /// says how long the server asked to wait.</summary>
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The key may go over http:// to a host that is not loopback (-AllowUnencryptedAuthentication).</summary>
        public bool AllowUnencryptedAuthentication { get; set; }

        /// <summary>Every timeout and retry delay goes through this (tests pass a fake one).</summary>
        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

        /// <summary>Tests only: the handler under the client (default: an HttpClientHandler built from these settings).</summary>
        internal HttpMessageHandler? Handler { get; set; }

        /// <summary>The settings of a session: its key, proxy and request timeout; the REST base from its -Uri unless given.</summary>
        public static RestSettings For(C2SessionOptions session, Uri? restUri)
        {
            var baseUri = restUri != null ? RestEndpoints.Normalize(restUri) : RestEndpoints.FromSocket(session.Uri);
            return new RestSettings
            {
                BaseUri = baseUri,
                ApiKey = session.ApiKey,
                Proxy = session.Proxy,
                UseDefaultProxy = session.UseDefaultProxy,
                RequestTimeout = session.RequestTimeout,
                TimeProvider = session.TimeProvider,
                // A session on ws:// to a remote host was allowed to send the key in the clear to that host: so is its REST API.
                AllowUnencryptedAuthentication = session.Uri.Scheme == "ws" && string.Equals(session.Uri.Host, baseUri.Host, StringComparison.OrdinalIgnoreCase),
            };
        }
    }
}
