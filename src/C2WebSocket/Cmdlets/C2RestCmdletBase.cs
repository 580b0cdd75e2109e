using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using C2WebSocket.Rest;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Base of the cmdlets that call C2's REST API: with a session (-Session, or the runspace's default session: its key,
    /// proxy and host, its REST client shared by every call), or on their own with Connect-C2Socket's connection
    /// parameters (a client for this one command). With neither a session nor connection parameters, $env:C2_API_KEY and
    /// C2's production address are used when the key is set.
    /// </summary>
    public abstract class C2RestCmdletBase : C2SessionCmdletBase, IDisposable
    {
        protected const string SessionSet = "Session";
        protected const string ConnectSet = "Connect";

        [Parameter(ParameterSetName = SessionSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateNotNull]
        public override C2Session? Session { get => base.Session; set => base.Session = value; }

        [Parameter(ParameterSetName = ConnectSet)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        /// <summary>The WebSocket address whose host serves the REST API (wss -> https, ws -> http).</summary>
        [Parameter(ParameterSetName = ConnectSet)]
        [ValidateNotNull]
        [ValidateWebSocketUri]
        public Uri Uri { get; set; } = new Uri(C2ConnectCmdletBase.DefaultUri);

        [Parameter(ParameterSetName = ConnectSet)]
        [ValidateProxyUri]
        public Uri? Proxy { get; set; }

        [Parameter(ParameterSetName = ConnectSet)]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        [Parameter(ParameterSetName = ConnectSet)]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

        [Parameter(ParameterSetName = ConnectSet)]
        public SwitchParameter NoProxy { get; set; }

        /// <summary>The REST API's address, when it is not on the WebSocket's host.</summary>
        [Parameter]
        [ValidateRestUri]
        public Uri? RestUri { get; set; }

        /// <summary>Seconds for each request (sending, the server's work, reading the page); 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int TimeoutSec { get; set; } = 30;

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        private C2RestClient? _ownClient;

        /// <summary>The per-request timeout: -TimeoutSec when given, else the session's (null).</summary>
        protected TimeSpan? RequestTimeout =>
            MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) || _ownClient != null ? Seconds(TimeoutSec) : (TimeSpan?)null;

        private static TimeSpan Seconds(int s) => s == 0 ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(s);

        /// <summary>The client for this record: the session's, or one of this command's own. Terminating errors when there is none.</summary>
        internal C2RestClient ResolveClient()
        {
            if (_ownClient != null) return _ownClient;
            if (ParameterSetName == ConnectSet) return _ownClient = OwnClient(ApiKey, Uri);
            var session = Session ?? SessionRegistry.Default(CurrentRunspace);
            if (session == null)
            {
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("C2_API_KEY"))) return _ownClient = OwnClient(null, Uri);
                var none = NoSessionError();
                var text = CmdletTexts.RestWithoutSession(none.ErrorDetails.Message);
                ThrowTerminatingError(Error(C2ErrorId.NoSession, new InvalidOperationException(text), null, text));
            }
            Touch(session!);
            var restBase = RestUri != null ? RestEndpoints.Normalize(RestUri) : RestEndpoints.FromSocket(session!.Uri);
            var allowed = AllowUnencryptedAuthentication || RestSettings.For(session!.Options, RestUri).AllowUnencryptedAuthentication;
            if (RestEndpoints.IsUnencryptedRemote(restBase) && !allowed) ThrowUnencrypted(restBase);
            try
            {
                var client = RestClients.For(session!, RestUri);
                WriteVerbose(CmdletTexts.RestOfSession(session!.Id, client.BaseUri));
                return client;
            }
            catch (InvalidOperationException ex)
            {
                ThrowTerminatingError(Error(C2ErrorId.SessionClosed, ex, session, CmdletTexts.RestClosed(session!.Id, session.State)));
                throw;
            }
        }

        /// <summary>A client for this command alone, from the connection parameters (Connect-C2Socket's rules).</summary>
        private C2RestClient OwnClient(SecureString? key, Uri socketUri)
        {
            CheckProxyParameters(Proxy, ProxyCredential, ProxyUseDefaultCredentials, NoProxy);
            var apiKey = ResolveApiKey(key, noSession: Session == null && ParameterSetName == SessionSet);
            var restBase = RestUri != null ? RestEndpoints.Normalize(RestUri) : RestEndpoints.FromSocket(socketUri);
            if (RestEndpoints.IsUnencryptedRemote(restBase) && !AllowUnencryptedAuthentication) ThrowUnencrypted(restBase);

            var proxy = C2ConnectCmdletBase.ProxyFor(Proxy, ProxyCredential, ProxyUseDefaultCredentials);
            var client = new C2RestClient(new RestSettings
            {
                BaseUri = restBase,
                ApiKey = apiKey,
                Proxy = proxy,
                UseDefaultProxy = !NoProxy,
                RequestTimeout = Seconds(TimeoutSec),
                AllowUnencryptedAuthentication = true, // checked above
            });
            WriteVerbose(CmdletTexts.RestOwnClient(client.BaseUri));
            return client;
        }

        private void ThrowUnencrypted(Uri restBase) =>
            ThrowTerminatingError(Error(C2ErrorId.UnencryptedAuthentication, new InvalidOperationException(CmdletTexts.UnencryptedShort), restBase,
                CmdletTexts.Unencrypted(restBase.Host, restBase.Scheme, "https")));

        /// <summary>Writes a REST failure for one strategy; a refused key ends the command (every other strategy would fail the same way).</summary>
        protected void WriteRestError(C2RestException ex, long strategyId)
        {
            var record = C2ErrorTable.Record(ex, strategyId);
            if (ex.Failure == C2RestFailure.AuthenticationFailed) ThrowTerminatingError(record);
            WriteError(record);
        }

        /// <summary>PowerShell disposes the command when its pipeline ends, however it ends: a client of its own goes with it.</summary>
        public void Dispose()
        {
            _ownClient?.Dispose();
            _ownClient = null;
        }
    }
}
