using System;
using C2WebSocket.Transport;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// The REST methods the module calls (docs/protocol.md §11) and where they are: the REST API lives on the WebSocket's host
    /// (wss://host:port/ws -> https://host:port/, ws:// -> http://), or at an address given with -RestUri.
    /// </summary>
    internal static class RestEndpoints
    {
        public const string HistoricalOrders = "Strategies/GetStrategyHistoricalOrders";
        public const string ActiveOrders = "Strategies/GetStrategyActiveOrders";
        public const string ClosedTrades = "Strategies/GetStrategyHistoricalClosedTrades";

        /// <summary>C2's production REST API (docs/protocol.md §11).</summary>
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
        public static bool IsUnencryptedRemote(Uri restBase) => restBase.Scheme == "http" && !WebSocketTransportFactory.IsLoopback(restBase);
    }
}
