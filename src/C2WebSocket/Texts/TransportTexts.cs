using System;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace C2WebSocket
{
    /// <summary>
    /// The words of the transport: why a connection could not be opened (the refused upgrade, TLS, DNS, TCP, proxy, the
    /// time limit), a message over the size cap, and how a connection ended. <see cref="Transport.ConnectFailures"/> and
    /// the <see cref="ReceivePump"/> decide and pass the facts (address, HTTP status, the server's reason); the sentences
    /// are built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class TransportTexts
    {
        /// <summary>" The server said: X." when the server gave a reason (the X-WS-Error header), else nothing.</summary>
        public static string ServerSaid(string? reason) => reason != null ? " The server said: " + reason + "." : "";

        public static string KeyRefused(Uri uri, string? reason) =>
            "The C2 server at " + uri + " refused the API key (HTTP 401)." + ServerSaid(reason) +
            " Check the key (-ApiKey or $env:C2_API_KEY); the module does not retry a refused key.";

        public static string RateLimited(Uri uri, string? reason) =>
            "The C2 server at " + uri + " refused the connection with HTTP 429: too many connection attempts, or this API key " +
            "already has its 10 open connections (other scripts or machines may be using it)." + ServerSaid(reason) + " Wait before connecting again.";

        public static string Unavailable(Uri uri, string? reason) =>
            "The C2 server at " + uri + " is not accepting connections (HTTP 503: server connection limit or maintenance)." +
            ServerSaid(reason) + " Try again later.";

        public static string UpgradeRefused(Uri uri, int status, string? reason) =>
            "The server at " + uri + " answered the WebSocket upgrade with HTTP " + status.ToString(CultureInfo.InvariantCulture) +
            " instead of 101." + ServerSaid(reason) + " Check -Uri.";

        public static string TlsFailed(Uri uri, string why) =>
            "The TLS handshake with " + uri.Host + " failed: " + why +
            " The server's certificate must be valid and trusted; certificate validation is never turned off.";

        public static string DnsFailed(Uri uri, string why) =>
            "The host name '" + uri.Host + "' of " + uri + " could not be resolved (DNS): " + why;

        public static string TcpFailed(Uri uri, SocketError code, string why) =>
            "Could not open a TCP connection to " + uri.Host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture) + " for " + uri +
            " (" + code + "): " + why;

        public static string ConnectFailed(Uri uri, string why) => "Could not connect to " + uri + ": " + why;

        public static string TimedOut(Uri uri, TimeSpan limit) =>
            string.Format(CultureInfo.InvariantCulture,
                "Connecting to {0} timed out after {1} s (DNS, TCP, TLS and the WebSocket upgrade together). " +
                "Check the address and the network, or raise -TimeoutSec.", uri, TextFormat.Seconds(limit));

        public static string TooLarge(int limit) =>
            string.Format(CultureInfo.InvariantCulture,
                "The server sent a message larger than the {0:N0}-byte limit (-MaxMessageSizeKB). " +
                "It was refused unread and the connection is being recycled.", limit);

        public static string ServerClosed(WebSocketCloseStatus? status, string? description) =>
            "the server closed the connection with status " +
            (status.HasValue ? ((int)status.Value).ToString(CultureInfo.InvariantCulture) + " (" + status.Value + ")" : "(none)") +
            (string.IsNullOrEmpty(description) ? "" : ": " + description);

        public const string OverSizeLimit = "a message over the size limit";

        public static string ConnectionFailed(string why) => "the connection failed: " + why;
    }
}
