using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>Opens <see cref="WebSocketTransport"/> connections (ClientWebSocket).</summary>
    internal sealed class WebSocketTransportFactory : IC2Transport
    {
        public static readonly WebSocketTransportFactory Instance = new WebSocketTransportFactory();
        public async Task<IC2Connection> ConnectAsync(ConnectSettings settings, CancellationToken cancel) =>
            await WebSocketTransport.ConnectAsync(settings, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Owns one ClientWebSocket: the authenticated upgrade, message reassembly with a size cap, and a single
    /// sender that drains a queue (ClientWebSocket allows one outstanding send; the session never waits on it).
    /// </summary>
    internal sealed partial class WebSocketTransport : IC2Connection
    {
        // .NET 7+ exposes the refused upgrade's status and headers; netstandard2.0 does not declare them,
        // so they are reached by reflection and simply absent on .NET Framework (Windows PowerShell 5.1).
        private static readonly PropertyInfo? CollectDetailsProp = typeof(ClientWebSocketOptions).GetProperty("CollectHttpResponseDetails");
        private static readonly PropertyInfo? StatusProp = typeof(ClientWebSocket).GetProperty("HttpStatusCode");
        private static readonly PropertyInfo? HeadersProp = typeof(ClientWebSocket).GetProperty("HttpResponseHeaders");
        // Only read on .NET Framework, after a refused upgrade: built then, not by every process's first connect.
        private static Regex? _statusInMessage;
        private static Regex StatusInMessage => _statusInMessage ??= new Regex(@"'(\d{3})'", RegexOptions.CultureInvariant);

        private readonly ClientWebSocket _ws;
        // Messages to send, in order. Whoever finds no send in progress sends them itself (see Send).
        private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _outbox = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        private int _sending;
        // Set by CloseAsync/Dispose: no new messages; what is already queued is still sent (before the close frame).
        private volatile bool _outboxClosed;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly int _maxMessageBytes;
        // Never larger than the cap: a message that does not fit is refused, whatever the cap (even below 16 KB).
        private byte[] _buffer;

        public Uri Uri { get; }
        public WebSocketState State => _ws.State;
        public WebSocketCloseStatus? CloseStatus => _ws.CloseStatus;
        public string? CloseDescription => _ws.CloseStatusDescription;

        private WebSocketTransport(ClientWebSocket ws, Uri uri, int maxMessageBytes)
        {
            _ws = ws;
            Uri = uri;
            _maxMessageBytes = maxMessageBytes;
            _buffer = new byte[Math.Max(1, Math.Min(16 * 1024, maxMessageBytes))];
        }

        /// <summary>The receive buffer's size now (tests: it never grows past the cap).</summary>
        internal int BufferLength => _buffer.Length;

        // PowerShell 7 (.NET Core): [System.Net.Http.HttpClient]::DefaultProxy is the system proxy (environment
        // variables / OS settings) and what scripts set to change it. ClientWebSocket would otherwise read it once per
        // process into a shared handler, so a later change (or the tests' proxy) would be ignored. Read it per connect.
        // Absent on .NET Framework, where ClientWebSocket uses WebRequest.DefaultWebProxy itself.
        private static readonly PropertyInfo? DefaultProxyProp = typeof(System.Net.Http.HttpClient).GetProperty("DefaultProxy", BindingFlags.Public | BindingFlags.Static);

        internal static IWebProxy? CurrentSystemProxy()
        {
            try { return DefaultProxyProp?.GetValue(null) as IWebProxy; }
            catch (Exception) { return null; }
        }

        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
        }

        public static async Task<WebSocketTransport> ConnectAsync(ConnectSettings settings, CancellationToken cancel)
        {
            var uri = settings.Uri;
            var ws = new ClientWebSocket();
            try
            {
                // Protocol-level pings keep NATs open; they do not replace C2's heartbeat.ack (docs/protocol.md §5).
                ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
                if (settings.Proxy != null) ws.Options.Proxy = settings.Proxy;
                else if (!settings.UseDefaultProxy) ws.Options.Proxy = null;
                else if (CurrentSystemProxy() is IWebProxy system) ws.Options.Proxy = system;
                CollectDetailsProp?.SetValue(ws.Options, true);
                SetAuthorization(ws.Options, settings.ApiKey);
            }
            catch
            {
                ws.Dispose();
                throw;
            }

            using (var timeout = new CancellationTokenSource(settings.ConnectTimeout))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token))
            {
                try
                {
                    await ws.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
                    return new WebSocketTransport(ws, uri, settings.MaxMessageBytes);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancel.IsCancellationRequested)
                {
                    ws.Dispose();
                    throw new C2ConnectException(C2ConnectFailure.ConnectTimeout, C2ConnectStep.Timeout, uri,
                        string.Format(CultureInfo.InvariantCulture, "Connecting to {0} timed out after {1:0.###} s (DNS, TCP, TLS and the WebSocket upgrade together). Check the address and the network, or raise -TimeoutSec.", uri, settings.ConnectTimeout.TotalSeconds));
                }
                catch (OperationCanceledException)
                {
                    ws.Dispose();
                    throw;
                }
                catch (Exception ex)
                {
                    var mapped = MapFailure(ws, uri, ex);
                    ws.Dispose();
                    throw mapped;
                }
            }
        }

        /// <summary>The only place the key exists as plain text: long enough to build the header value.</summary>
        private static void SetAuthorization(ClientWebSocketOptions options, SecureString key)
        {
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(key);
                options.SetRequestHeader("Authorization", "Bearer " + Marshal.PtrToStringUni(ptr, key.Length));
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        internal static C2ConnectException MapFailure(ClientWebSocket ws, Uri uri, Exception ex)
        {
            int? status = null;
            string? reason = null;
            TimeSpan? retryAfter = null;
            if (StatusProp != null)
            {
                try
                {
                    var code = Convert.ToInt32(StatusProp.GetValue(ws), CultureInfo.InvariantCulture);
                    if (code > 0) status = code;
                    if (HeadersProp?.GetValue(ws) is IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers)
                    {
                        foreach (var h in headers)
                        {
                            if (string.Equals(h.Key, "X-WS-Error", StringComparison.OrdinalIgnoreCase)) reason = string.Join(", ", h.Value);
                            else if (string.Equals(h.Key, "Retry-After", StringComparison.OrdinalIgnoreCase)) retryAfter = ParseRetryAfter(h.Value.FirstOrDefault());
                        }
                    }
                }
                catch (Exception)
                {
                    // Reflection is best effort; fall through to the message parse below.
                }
            }
            if (status == null && ex is WebSocketException)
            {
                // .NET Framework: "The server returned status code '401' when status code '101' was expected."
                var m = StatusInMessage.Match(ex.Message);
                if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed != 101) status = parsed;
            }

            var said = reason != null ? " The server said: " + reason + "." : "";
            switch (status)
            {
                case 401:
                    return new C2ConnectException(C2ConnectFailure.AuthenticationFailed, C2ConnectStep.Upgrade, uri,
                        "The C2 server at " + uri + " refused the API key (HTTP 401)." + said + " Check the key (-ApiKey or $env:C2_API_KEY); the module does not retry a refused key.",
                        401, reason, retryAfter, false, ex);
                case 429:
                    return new C2ConnectException(C2ConnectFailure.RateLimited, C2ConnectStep.Upgrade, uri,
                        "The C2 server at " + uri + " refused the connection with HTTP 429: too many connection attempts, or this API key already has its 10 open connections (other scripts or machines may be using it)." + said + " Wait before connecting again.",
                        429, reason, retryAfter, true, ex);
                case 503:
                    return new C2ConnectException(C2ConnectFailure.ServiceUnavailable, C2ConnectStep.Upgrade, uri,
                        "The C2 server at " + uri + " is not accepting connections (HTTP 503: server connection limit or maintenance)." + said + " Try again later.",
                        503, reason, retryAfter, true, ex);
                case int other:
                    return new C2ConnectException(C2ConnectFailure.UpgradeFailed, C2ConnectStep.Upgrade, uri,
                        "The server at " + uri + " answered the WebSocket upgrade with HTTP " + other + " instead of 101." + said + " Check -Uri.",
                        other, reason, retryAfter, other >= 500, ex);
            }

            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException)
                    return new C2ConnectException(C2ConnectFailure.TlsFailed, C2ConnectStep.Tls, uri,
                        "The TLS handshake with " + uri.Host + " failed: " + e.Message + " The server's certificate must be valid and trusted; certificate validation is never turned off.", inner: ex);
                if (e is SocketException se)
                {
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.HostNotFound:
                        case SocketError.NoData:
                        case SocketError.TryAgain:
                            return new C2ConnectException(C2ConnectFailure.DnsFailed, C2ConnectStep.Dns, uri,
                                "The host name '" + uri.Host + "' of " + uri + " could not be resolved (DNS): " + se.Message, inner: ex);
                        default:
                            return new C2ConnectException(C2ConnectFailure.TcpFailed, C2ConnectStep.Tcp, uri,
                                "Could not open a TCP connection to " + uri.Host + ":" + uri.Port + " for " + uri + " (" + se.SocketErrorCode + "): " + se.Message, inner: ex);
                    }
                }
            }
            var proxyHint = ex.ToString().IndexOf("proxy", StringComparison.OrdinalIgnoreCase) >= 0;
            return new C2ConnectException(proxyHint ? C2ConnectFailure.ProxyFailed : C2ConnectFailure.ConnectFailed,
                proxyHint ? C2ConnectStep.Proxy : C2ConnectStep.Handshake, uri,
                "Could not connect to " + uri + ": " + Innermost(ex).Message, inner: ex);
        }

        internal static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        internal static TimeSpan? ParseRetryAfter(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var secs) && secs >= 0) return TimeSpan.FromSeconds(secs);
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                var d = when - DateTimeOffset.UtcNow;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
            return null;
        }

        /// <summary>
        /// Queues a message and, when no send is in progress, sends it on the calling thread: a send that the socket
        /// takes at once (the usual case) costs no thread hop (the loop's heartbeat acks and subscribe requests go out
        /// before the next frame is read). A send the socket cannot take at once continues on the thread pool, which
        /// then sends whatever was queued meanwhile, in order; the caller never waits.
        /// </summary>
        public void Send(byte[] utf8)
        {
            if (_outboxClosed) return;
            _outbox.Enqueue(utf8);
            if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _ = DrainOutboxAsync();
        }

        private async Task DrainOutboxAsync()
        {
            try
            {
                while (true)
                {
                    while (_outbox.TryDequeue(out var bytes))
                        await _ws.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, _stop.Token).ConfigureAwait(false);
                    Volatile.Write(ref _sending, 0);
                    // A message queued after the last TryDequeue but before the flag was cleared would be stranded: look again.
                    if (_outbox.IsEmpty || Interlocked.CompareExchange(ref _sending, 1, 0) != 0) return;
                }
            }
            catch (Exception)
            {
                // A socket that cannot send is dead: end it, so the receive pump reports the loss and the session reconnects.
                Abort();
            }
        }

        /// <summary>Normal closure (1000), bounded in time; falls back to abort.</summary>
        public async Task CloseAsync(TimeSpan timeout)
        {
            _outboxClosed = true;
            try
            {
                if (_ws.State == WebSocketState.Open || _ws.State == WebSocketState.CloseReceived)
                {
                    using (var cts = new CancellationTokenSource(timeout))
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                Abort();
            }
        }

        public void Abort()
        {
            try { _ws.Abort(); } catch (Exception) { /* already gone */ }
        }

        public void Dispose()
        {
            Abort();
            _outboxClosed = true;
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
            _ws.Dispose();
        }
    }
}
