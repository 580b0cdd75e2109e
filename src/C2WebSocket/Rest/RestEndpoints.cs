using System;
using System.Net;
using System.Net.Http;
using System.Security;
using C2WebSocket.Transport;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// The REST methods the module calls (reference §11) and where they are: the REST API lives on the WebSocket's host
    /// (wss://host:port/ws -> https://host:port/, ws:// -> http://), or at an address given with -RestUri.
    /// </summary>
    internal static class RestEndpoints
    {
        public const string HistoricalOrders = "Strategies/GetStrategyHistoricalOrders";
        public const string ActiveOrders = "Strategies/GetStrategyActiveOrders";
        public const string ClosedTrades = "Strategies/GetStrategyHistoricalClosedTrades";

        /// <summary>C2's production REST API (reference §11).</summary>
        public static readonly Uri Production = new Uri("https://api4-general.collective2.com/");

        /// <summary>The REST base of a WebSocket address: same host and port, wss -> https, ws -> http, path "/".</summary>
        public static Uri FromSocket(Uri socket)
        {
            var b = new UriBuilder(socket)
            {
                Scheme = socket.Scheme == "ws" ? "http" : "https",
                Path = "/",
                Query = "",
                Fragment = "",
            };
            // UriBuilder keeps the socket's explicit port; a default one (80/443) is the new scheme's default.
            if (socket.IsDefaultPort) b.Port = -1;
            return b.Uri;
        }

        /// <summary>A base address as given (-RestUri) with a trailing slash, so methods resolve beneath its path.</summary>
        public static Uri Normalize(Uri restBase)
        {
            var b = new UriBuilder(restBase) { Query = "", Fragment = "" };
            if (!b.Path.EndsWith("/", StringComparison.Ordinal)) b.Path += "/";
            return b.Uri;
        }

        /// <summary>The method's name as C2 documents it: "GetStrategyHistoricalOrders".</summary>
        public static string Name(string endpoint)
        {
            var slash = endpoint.LastIndexOf('/');
            return slash < 0 ? endpoint : endpoint.Substring(slash + 1);
        }

        /// <summary>True when the key would cross the network unencrypted: http:// to a host that is not loopback.</summary>
        public static bool IsUnencryptedRemote(Uri restBase) => restBase.Scheme == "http" && !WebSocketTransport.IsLoopback(restBase);
    }

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
