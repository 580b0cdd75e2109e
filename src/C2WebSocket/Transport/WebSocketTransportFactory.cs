using System;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// Opens <see cref="WebSocketTransport"/> connections (ClientWebSocket): the proxy, the key's header, the upgrade and
    /// its time limit. A refused or failed attempt becomes a <see cref="C2ConnectException"/> (<see cref="ConnectFailures"/>).
    /// </summary>
    internal sealed class WebSocketTransportFactory : IC2Transport
    {
        public static readonly WebSocketTransportFactory Instance = new WebSocketTransportFactory(true);

        /// <summary>ClientWebSocket's own connection, read on the thread pool, wherever blocking reads exist: what Windows
        /// PowerShell 5.1 always uses (tests keep it covered here; the benchmark compares).</summary>
        internal static readonly WebSocketTransportFactory ThreadPoolReads = new WebSocketTransportFactory(false);

        private readonly bool _blockingReads;

        private WebSocketTransportFactory(bool blockingReads) { _blockingReads = blockingReads; }
        // .NET 7+ can keep the refused upgrade's status and headers (read by ConnectFailures); absent on .NET Framework.
        private static readonly PropertyInfo? CollectDetailsProp = typeof(ClientWebSocketOptions).GetProperty("CollectHttpResponseDetails");

        public async Task<IC2Connection> ConnectAsync(ConnectSettings settings, CancellationToken cancel) =>
            await OpenAsync(settings, cancel, _blockingReads).ConfigureAwait(false);

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

        /// <summary>The proxy rule of the socket and the REST client alike: -Proxy, else none with -NoProxy, else the system
        /// proxy as it is now. Returns whether a proxy is used; <paramref name="proxy"/> is the one to set, or null for
        /// the handler's default.</summary>
        internal static bool ChooseProxy(IWebProxy? given, bool useDefaultProxy, out IWebProxy? proxy)
        {
            var use = given != null || useDefaultProxy;
            proxy = given ?? (use ? CurrentSystemProxy() : null);
            return use;
        }

        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <param name="blockingReads">Read on the receive pump's own thread where the runtime allows (<see cref="BlockingConnector"/>).</param>
        private static async Task<WebSocketTransport> OpenAsync(ConnectSettings settings, CancellationToken cancel, bool blockingReads)
        {
            var uri = settings.Uri;
            // PowerShell 7: reads that block the receive pump's own thread (BlockingConnector); else ClientWebSocket's.
            var connector = blockingReads && BlockingConnector.IsAvailable ? new BlockingConnector() : null;
            var useProxy = ChooseProxy(settings.Proxy, settings.UseDefaultProxy, out var proxy);
            var ws = new ClientWebSocket();
            try
            {
                // Protocol-level pings keep NATs open; they do not replace C2's heartbeat.ack (docs/protocol.md §5).
                ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
                if (connector == null)
                {
                    if (proxy != null) ws.Options.Proxy = proxy;
                    else if (!useProxy) ws.Options.Proxy = null;
                }
                CollectDetailsProp?.SetValue(ws.Options, true);
                SetAuthorization(ws.Options, settings.ApiKey);
            }
            catch
            {
                ws.Dispose();
                throw;
            }

            using (var timeout = settings.Time.CreateCancellationTokenSource(settings.ConnectTimeout))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token))
            {
                try
                {
                    if (connector != null) await connector.ConnectAsync(ws, uri, proxy, useProxy, linked.Token).ConfigureAwait(false);
                    else await ws.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
                    return new WebSocketTransport(ws, uri, settings.MaxMessageBytes, settings.Time, connector?.Stream);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancel.IsCancellationRequested)
                {
                    ws.Dispose();
                    throw new C2ConnectException(C2ConnectFailure.ConnectTimeout, C2ConnectStep.Timeout, uri,
                        TransportTexts.TimedOut(uri, settings.ConnectTimeout));
                }
                catch (OperationCanceledException)
                {
                    ws.Dispose();
                    throw;
                }
                catch (Exception ex)
                {
                    var mapped = ConnectFailures.Map(ws, uri, ex, settings.Time.GetUtcNow());
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
    }
}
