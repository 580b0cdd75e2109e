using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>The connection parameters Connect-C2Socket and Test-C2Connection share (named as the web cmdlets name them).</summary>
    public abstract class C2ConnectCmdletBase : C2CmdletBase
    {
        /// <summary>The proxy of -Proxy with -ProxyCredential or -ProxyUseDefaultCredentials (null without -Proxy).</summary>
        internal static IWebProxy? ProxyFor(Uri? proxy, PSCredential? credential, bool useDefaultCredentials)
        {
            if (proxy == null) return null;
            var wp = new WebProxy(proxy);
            if (credential != null) wp.Credentials = credential.GetNetworkCredential();
            else if (useDefaultCredentials) wp.UseDefaultCredentials = true;
            return wp;
        }

        public const string DefaultUri = "wss://api4-general.collective2.com/ws";

        [Parameter(Position = 0)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        [Parameter]
        [ValidateNotNull]
        [ValidateWebSocketUri]
        public Uri Uri { get; set; } = new Uri(DefaultUri);

        /// <summary>Seconds for the connection to open (DNS, TCP, TLS, upgrade, connection.connected) and for each request; 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int TimeoutSec { get; set; } = 30;

        [Parameter]
        [ValidateProxyUri]
        public Uri? Proxy { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        [Parameter]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

        [Parameter]
        public SwitchParameter NoProxy { get; set; }

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Validates the combination and builds the options. Writes a terminating error when they do not fit.</summary>
        internal C2SessionOptions BuildOptions()
        {
            CheckProxyParameters(Proxy, ProxyCredential, ProxyUseDefaultCredentials, NoProxy);
            var key = ResolveApiKey(ApiKey, noSession: false);

            if (Uri.Scheme == "ws" && !WebSocketTransportFactory.IsLoopback(Uri) && !AllowUnencryptedAuthentication)
            {
                ThrowTerminatingError(Error(C2ErrorId.UnencryptedAuthentication, new InvalidOperationException(CmdletTexts.UnencryptedShort), Uri,
                    CmdletTexts.Unencrypted(Uri.Host, "ws", "wss")));
            }

            var proxy = ProxyFor(Proxy, ProxyCredential, ProxyUseDefaultCredentials);

            return new C2SessionOptions
            {
                Uri = Uri,
                ApiKey = key,
                Proxy = proxy,
                UseDefaultProxy = !NoProxy,
                ConnectTimeout = TimeoutSec == 0 ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(TimeoutSec),
                RequestTimeout = TimeoutSec == 0 ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(TimeoutSec),
            };
        }
    }
}
