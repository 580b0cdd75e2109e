using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
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
                ThrowParameterError(nameof(ManualCheckpoint), ParameterTexts.ManualWithoutCheckpoint);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(WaitForCheckpointSec)) && CheckpointPath == null)
                ThrowParameterError(nameof(WaitForCheckpointSec), ParameterTexts.WaitWithoutCheckpoint);
            options.ManualCheckpoint = ManualCheckpoint;
            options.WaitForCheckpoint = TimeSpan.FromSeconds(WaitForCheckpointSec);
            if (RestUri != null && !FillGapsFromHistory)
                ThrowParameterError(nameof(RestUri), ParameterTexts.RestUriWithoutFill);
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
                ThrowTerminatingError(Error(C2ErrorId.CheckpointUnreadable, ex, CheckpointPath, ParameterTexts.Parameter(nameof(CheckpointPath), ex.Message)));
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
