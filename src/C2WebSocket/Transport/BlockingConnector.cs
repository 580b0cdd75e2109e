using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// Opens a ClientWebSocket over a <see cref="BlockingSocketStream"/>: the upgrade, TLS, the proxy and the WebSocket
    /// framing stay the framework's (a SocketsHttpHandler), only the TCP connection is this class's, through the
    /// handler's ConnectCallback. Both are .NET 7+ APIs absent from netstandard2.0, bound once by reflection; where
    /// they are missing (Windows PowerShell 5.1) <see cref="IsAvailable"/> is false and ClientWebSocket connects alone.
    /// </summary>
    internal sealed class BlockingConnector
    {
        private static readonly Type? HandlerType = typeof(HttpClient).Assembly.GetType("System.Net.Http.SocketsHttpHandler", false);
        private static readonly PropertyInfo? CallbackProp = HandlerType?.GetProperty("ConnectCallback");
        private static readonly PropertyInfo? UseProxyProp = HandlerType?.GetProperty("UseProxy");
        private static readonly PropertyInfo? ProxyProp = HandlerType?.GetProperty("Proxy");
        private static readonly PropertyInfo? UseCookiesProp = HandlerType?.GetProperty("UseCookies");
        private static readonly MethodInfo? OpenMethod = BindOpen();
        private static readonly Func<ClientWebSocket, Uri, HttpMessageInvoker, CancellationToken, Task>? ConnectWithInvoker = BindConnect();

        /// <summary>Whether this runtime has what the blocking reads need (.NET 7 and later).</summary>
        internal static bool IsAvailable => ConnectWithInvoker != null && OpenMethod != null && UseProxyProp != null && ProxyProp != null && UseCookiesProp != null;

        /// <summary>The stream under the WebSocket, once the TCP connection is open.</summary>
        public BlockingSocketStream? Stream { get; private set; }

        private static Func<ClientWebSocket, Uri, HttpMessageInvoker, CancellationToken, Task>? BindConnect()
        {
            try
            {
                var method = typeof(ClientWebSocket).GetMethod("ConnectAsync", BindingFlags.Public | BindingFlags.Instance, null,
                    new[] { typeof(Uri), typeof(HttpMessageInvoker), typeof(CancellationToken) }, null);
                return method == null ? null
                    : (Func<ClientWebSocket, Uri, HttpMessageInvoker, CancellationToken, Task>)Delegate.CreateDelegate(
                        typeof(Func<ClientWebSocket, Uri, HttpMessageInvoker, CancellationToken, Task>), null, method);
            }
            catch (Exception)
            {
                return null; // any surprise: ClientWebSocket connects alone
            }
        }

        /// <summary>OpenAsync closed over the callback's context type (SocketsHttpConnectionContext), bound once.</summary>
        private static MethodInfo? BindOpen()
        {
            try
            {
                return CallbackProp == null ? null
                    : typeof(BlockingConnector).GetMethod(nameof(OpenAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                        .MakeGenericMethod(CallbackProp.PropertyType.GetGenericArguments()[0]);
            }
            catch (Exception)
            {
                return null; // any surprise: ClientWebSocket connects alone
            }
        }

        /// <summary>Connects <paramref name="ws"/> (its options set, but not its proxy: that is the handler's here).</summary>
        /// <param name="proxy">The proxy to use; null with <paramref name="useProxy"/> for the system's.</param>
        public async Task ConnectAsync(ClientWebSocket ws, Uri uri, IWebProxy? proxy, bool useProxy, CancellationToken cancel)
        {
            var handler = (HttpMessageHandler)Activator.CreateInstance(HandlerType!)!;
            var invoker = new HttpMessageInvoker(handler, disposeHandler: true);
            try
            {
                UseProxyProp!.SetValue(handler, useProxy);
                if (proxy != null) ProxyProp!.SetValue(handler, proxy);
                UseCookiesProp!.SetValue(handler, false);
                CallbackProp!.SetValue(handler, Delegate.CreateDelegate(CallbackProp.PropertyType, this, OpenMethod!));
                await ConnectWithInvoker!(ws, uri, invoker, cancel).ConfigureAwait(false);
            }
            finally
            {
                // The handler only made the connection: the upgraded stream belongs to the WebSocket from now on.
                invoker.Dispose();
            }
        }

        /// <summary>The handler's ConnectCallback (TContext is SocketsHttpConnectionContext): the server's or the
        /// proxy's endpoint, each of its addresses in turn, a blocking socket connected on the thread pool.</summary>
        private async ValueTask<Stream> OpenAsync<TContext>(TContext context, CancellationToken cancel)
        {
            var endpoint = EndPointOf<TContext>.Get(context);
            var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? new[] { literal } : await ResolveAsync(endpoint.Host, cancel).ConfigureAwait(false);
            // The connect blocks: on a thread of its own, neither the caller's (the session's loop may have started this
            // connection and run down to here without an await that yields) nor a thread-pool thread (a server in the
            // same process, the simulator, needs the pool to accept).
            return await Task.Factory.StartNew(() => Connect(addresses, endpoint.Port, cancel), cancel,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }

        private Stream Connect(IPAddress[] addresses, int port, CancellationToken cancel)
        {
            SocketException? failure = null;
            foreach (var address in addresses)
            {
                cancel.ThrowIfCancellationRequested();
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    // Disposing the socket ends a connect that is still waiting (the time limit, or the session closing).
                    using (cancel.Register(static s => ((Socket)s!).Dispose(), socket))
                        socket.Connect(address, port);
                    cancel.ThrowIfCancellationRequested();
                    return Stream = new BlockingSocketStream(socket);
                }
                catch (Exception ex)
                {
                    socket.Dispose();
                    cancel.ThrowIfCancellationRequested();
                    if (!(ex is SocketException refused)) throw;
                    failure = refused; // the next address, if there is one
                }
            }
            throw failure ?? new SocketException((int)SocketError.HostNotFound);
        }

        private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancel)
        {
            var lookup = Dns.GetHostAddressesAsync(host);
            if (!lookup.IsCompleted)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (cancel.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
                    await Task.WhenAny(lookup, cancelled.Task).ConfigureAwait(false);
                cancel.ThrowIfCancellationRequested();
            }
            return await lookup.ConfigureAwait(false);
        }

        private static class EndPointOf<TContext>
        {
            public static readonly Func<TContext, DnsEndPoint> Get = (Func<TContext, DnsEndPoint>)Delegate.CreateDelegate(
                typeof(Func<TContext, DnsEndPoint>), null, typeof(TContext).GetProperty("DnsEndPoint")!.GetGetMethod()!);
        }
    }
}
