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
            if (NoProxy && (Proxy != null || ProxyCredential != null || ProxyUseDefaultCredentials))
                ThrowParameterError("NoProxy", "-NoProxy cannot be combined with -Proxy, -ProxyCredential or -ProxyUseDefaultCredentials.");
            if (ProxyCredential != null && ProxyUseDefaultCredentials)
                ThrowParameterError("ProxyCredential", "-ProxyCredential and -ProxyUseDefaultCredentials cannot be used together.");
            if ((ProxyCredential != null || ProxyUseDefaultCredentials) && Proxy == null)
                ThrowParameterError("Proxy", "-ProxyCredential and -ProxyUseDefaultCredentials need -Proxy.");

            var key = ApiKey;
            if (key == null)
            {
                var env = Environment.GetEnvironmentVariable("C2_API_KEY");
                if (!string.IsNullOrEmpty(env))
                {
                    key = SecureText.From(env!);
                    WriteVerbose("Using the API key from $env:C2_API_KEY.");
                }
            }
            if (key == null || key.Length == 0)
            {
                ThrowTerminatingError(Error(C2ErrorId.ApiKeyMissing, new ArgumentException("No API key.", "ApiKey"), null,
                    "No API key: pass -ApiKey (a SecureString, for example from Get-Secret, or a string) or set $env:C2_API_KEY."));
            }

            if (Uri.Scheme == "ws" && !WebSocketTransport.IsLoopback(Uri) && !AllowUnencryptedAuthentication)
            {
                ThrowTerminatingError(Error(C2ErrorId.UnencryptedAuthentication, new InvalidOperationException("Unencrypted authentication refused."), Uri,
                    "Refusing to send the API key over an unencrypted connection to " + Uri.Host + " (ws://). Use wss://, or pass -AllowUnencryptedAuthentication if you accept that the key can be read on the network. ws:// is allowed without it only for loopback addresses."));
            }

            var proxy = ProxyFor(Proxy, ProxyCredential, ProxyUseDefaultCredentials);

            return new C2SessionOptions
            {
                Uri = Uri,
                ApiKey = key!,
                Proxy = proxy,
                UseDefaultProxy = !NoProxy,
                ConnectTimeout = TimeoutSec == 0 ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(TimeoutSec),
                RequestTimeout = TimeoutSec == 0 ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(TimeoutSec),
            };
        }
    }

    /// <summary>
    /// <para type="synopsis">Opens a session to the C2 WebSocket API.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "C2Socket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(C2Session))]
    public sealed class ConnectC2SocketCommand : C2ConnectCmdletBase
    {
        [Parameter]
        [ValidateRange(-1, int.MaxValue)]
        public int MaxReconnectAttempts { get; set; } = -1;

        [Parameter]
        [ValidateRange(0.01, 3600.0)]
        public double ReconnectIntervalSec { get; set; } = 1;

        [Parameter]
        [ValidateRange(0.05, 3600.0)]
        public double HeartbeatTimeoutSec { get; set; } = ProtocolLimits.HeartbeatIntervalSec + ProtocolLimits.HeartbeatGraceSec + 5;

        [Parameter]
        [ValidateRange(1, 10000000)]
        public int InboxCapacity { get; set; } = 10000;

        [Parameter]
        [ValidateRange(1, 1048576)]
        public int MaxMessageSizeKB { get; set; } = 1024;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CheckpointPath { get; set; }

        /// <summary>The checkpoint moves only when the script says so (Save-C2Checkpoint). Needs -CheckpointPath.</summary>
        [Parameter]
        public SwitchParameter ManualCheckpoint { get; set; }

        /// <summary>Seconds Add-C2Subscription waits for another session to let go of a strategy of the checkpoint; 0 refuses at once.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int WaitForCheckpointSec { get; set; }

        /// <summary>Ranges of signals the socket cannot deliver are filled from C2's REST history.</summary>
        [Parameter]
        public SwitchParameter FillGapsFromHistory { get; set; }

        /// <summary>The REST API's address for -FillGapsFromHistory (default: the socket's host over https).</summary>
        [Parameter]
        [ValidateRestUri]
        public Uri? RestUri { get; set; }

        [Parameter]
        public ResumeFromWireType ResumeFromFormat { get; set; } = ResumeFromWireType.String;

        protected override void ProcessRecord()
        {
            var options = BuildOptions();
            options.MaxReconnectAttempts = MaxReconnectAttempts;
            options.ReconnectInterval = TimeSpan.FromSeconds(ReconnectIntervalSec);
            options.MaxReconnectInterval = TimeSpan.FromSeconds(Math.Max(ReconnectIntervalSec, Math.Min(ReconnectIntervalSec * 60, 60)));
            options.ThrottledReconnectInterval = TimeSpan.FromSeconds(ReconnectIntervalSec * 15);
            options.HeartbeatTimeout = TimeSpan.FromSeconds(HeartbeatTimeoutSec);
            options.InboxCapacity = InboxCapacity;
            options.MaxMessageBytes = MaxMessageSizeKB * 1024;
            options.ResumeFromType = ResumeFromFormat;
            options.ResumeFromTypeFixed = MyInvocation.BoundParameters.ContainsKey(nameof(ResumeFromFormat));
            if (CheckpointPath != null) options.CheckpointPath = GetUnresolvedProviderPathFromPSPath(CheckpointPath);
            if (ManualCheckpoint && CheckpointPath == null)
                ThrowParameterError(nameof(ManualCheckpoint), "-ManualCheckpoint needs -CheckpointPath: there is no checkpoint to save to.");
            if (MyInvocation.BoundParameters.ContainsKey(nameof(WaitForCheckpointSec)) && CheckpointPath == null)
                ThrowParameterError(nameof(WaitForCheckpointSec), "-WaitForCheckpointSec needs -CheckpointPath: without a checkpoint there is nothing to own.");
            options.ManualCheckpoint = ManualCheckpoint;
            options.WaitForCheckpoint = TimeSpan.FromSeconds(WaitForCheckpointSec);
            if (RestUri != null && !FillGapsFromHistory)
                ThrowParameterError(nameof(RestUri), "-RestUri is the REST address of -FillGapsFromHistory: add -FillGapsFromHistory, or leave -RestUri out.");
            options.FillGapsFromHistory = FillGapsFromHistory;
            options.RestUri = RestUri != null ? Rest.RestEndpoints.Normalize(RestUri) : null;

            if (!ShouldProcess(Uri.ToString(), "Connect to the C2 WebSocket API")) return;

            C2Session session;
            try
            {
                session = new C2Session(options);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is System.IO.InvalidDataException ||
                                       ex is ArgumentException || ex is NotSupportedException)
            {
                // A corrupt or foreign checkpoint file, a folder that does not exist, no permission, a bad path.
                ThrowTerminatingError(Error(C2ErrorId.CheckpointUnreadable, ex, CheckpointPath, "Parameter -CheckpointPath: " + ex.Message));
                return;
            }
            Touch(session);
            try
            {
                Await(async ct => { await session.OpenAsync(ct).ConfigureAwait(false); return true; });
            }
            catch (C2ConnectException ex)
            {
                WriteDiagnostics();
                ThrowTerminatingError(C2ErrorTable.Record(ex));
            }
            SessionRegistry.Add(CurrentRunspace, session);
            WriteDiagnostics();
            WriteObject(session);
        }
    }
}
