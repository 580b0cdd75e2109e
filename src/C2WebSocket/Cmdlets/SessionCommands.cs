using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>What Test-C2Connection found.</summary>
    public sealed class C2ConnectionTestResult
    {
        public Uri Uri { get; internal set; } = null!;
        /// <summary>The server accepted the key and sent connection.connected.</summary>
        public bool Authenticated { get; internal set; }
        /// <summary>HTTP status of the upgrade (101 when it succeeded).</summary>
        public int? StatusCode { get; internal set; }
        /// <summary>The failed step, when it failed.</summary>
        public string? FailedStep { get; internal set; }
        public string? ErrorId { get; internal set; }
        /// <summary>What the server said (X-WS-Error) or the failure, without the key.</summary>
        public string? Reason { get; internal set; }
        /// <summary>From starting the connection to receiving connection.connected.</summary>
        public double? RoundTripMs { get; internal set; }
        public int? ServerVersion { get; internal set; }
        public TimeSpan? ClockOffset { get; internal set; }
        public override string ToString() => Authenticated ? "Authenticated to " + Uri : "Not authenticated to " + Uri + ": " + Reason;
    }
}

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Verifies an API key: handshake, report, close.</para></summary>
    [Cmdlet(VerbsDiagnostic.Test, "C2Connection")]
    [OutputType(typeof(C2ConnectionTestResult), typeof(bool))]
    public sealed class TestC2ConnectionCommand : C2ConnectCmdletBase
    {
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            var options = BuildOptions();
            options.MaxReconnectAttempts = 0;
            options.IsProbe = true; // takes no session id of the runspace
            var result = new C2ConnectionTestResult { Uri = options.Uri };
            var session = new C2Session(options);
            Touch(session);
            var sw = Stopwatch.StartNew();
            try
            {
                Await(async ct => { await session.OpenAsync(ct).ConfigureAwait(false); return true; });
                result.RoundTripMs = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
                result.Authenticated = true;
                result.StatusCode = 101;
                result.ServerVersion = session.ServerVersion;
                result.ClockOffset = session.ClockOffset;
            }
            catch (C2ConnectException ex)
            {
                result.StatusCode = ex.StatusCode;
                result.FailedStep = ex.Step.ToString();
                result.ErrorId = C2ErrorTable.IdFor(ex.Failure);
                result.Reason = ex.ServerReason ?? ex.Message;
            }
            finally
            {
                Await(async ct => await session.CloseAsync(TimeSpan.FromSeconds(Math.Min(TimeoutSec == 0 ? 5 : TimeoutSec, 5))).ConfigureAwait(false));
                WriteDiagnostics();
            }
            if (Quiet) WriteObject(result.Authenticated);
            else WriteObject(result);
        }
    }

    /// <summary><para type="synopsis">Closes C2 sessions.</para></summary>
    /// <remarks>Idempotent: closing a session that is already closed, or calling it when there is no session, does nothing
    /// (say so with -Verbose); -Session objects from the pipeline and the default session follow the same rule.</remarks>
    [Cmdlet(VerbsCommunications.Disconnect, "C2Socket", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Session")]
    [OutputType(typeof(C2Session))]
    public sealed class DisconnectC2SocketCommand : C2SessionCmdletBase
    {
        [Parameter(ParameterSetName = "Session", Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [SessionTransformation]
        [ValidateNotNull]
        public override C2Session? Session { get => base.Session; set => base.Session = value; }

        [Parameter(ParameterSetName = "All", Mandatory = true)]
        public SwitchParameter All { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (All)
            {
                foreach (var s in SessionRegistry.All(CurrentRunspace)) Close(s);
                return;
            }
            var session = Session ?? SessionRegistry.Default(CurrentRunspace);
            if (session == null)
            {
                WriteVerbose("Disconnect-C2Socket: there is no default session in this runspace; nothing to close.");
                return;
            }
            Close(session);
        }

        private void Close(C2Session session)
        {
            Touch(session);
            if (!ShouldProcess(session.ToString(), "Disconnect")) return;
            if (!session.IsOpen) WriteVerbose("Session " + session.Id.ToString(CultureInfo.InvariantCulture) + " is already " + session.State + ".");
            var dropped = Await(ct => session.CloseAsync(TimeSpan.FromSeconds(5)));
            if (dropped > 0) WriteVerbose("Session " + session.Id.ToString(CultureInfo.InvariantCulture) + ": " + dropped.ToString(CultureInfo.InvariantCulture) + " queued message(s) that no Receive-C2Signal had taken were discarded.");
            SessionRegistry.Remove(CurrentRunspace, session);
            WriteDiagnostics();
            if (PassThru) WriteObject(session);
        }
    }

    /// <summary><para type="synopsis">Gets the C2 sessions of this runspace.</para></summary>
    [Cmdlet(VerbsCommon.Get, "C2Session", DefaultParameterSetName = "All")]
    [OutputType(typeof(C2Session))]
    public sealed class GetC2SessionCommand : C2CmdletBase
    {
        [Parameter(ParameterSetName = "Id", Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SessionId")]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [ValidateRange(1, int.MaxValue)]
        public int[]? Id { get; set; }

        [Parameter(ParameterSetName = "Default", Mandatory = true)]
        public SwitchParameter Default { get; set; }

        protected override void ProcessRecord()
        {
            var all = SessionRegistry.All(CurrentRunspace);
            if (Default)
            {
                var d = SessionRegistry.Default(CurrentRunspace);
                if (d != null) WriteObject(d);
                return;
            }
            if (Id == null)
            {
                foreach (var s in all) WriteObject(s);
                return;
            }
            foreach (var id in Id)
            {
                var s = all.FirstOrDefault(x => x.Id == id);
                if (s != null) WriteObject(s);
                else WriteError(Error(C2ErrorId.SessionNotFound, new ItemNotFoundException("No C2 session with Id " + id.ToString(CultureInfo.InvariantCulture) + "."), id,
                    "Parameter -Id: there is no C2 session with Id " + id.ToString(CultureInfo.InvariantCulture) + " in this runspace. " + SessionRegistry.OpenIdsText(CurrentRunspace) + "."));
            }
        }
    }
}
