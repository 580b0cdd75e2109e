using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
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
                WriteVerbose(CmdletTexts.NothingToDisconnect);
                return;
            }
            Close(session);
        }

        private void Close(C2Session session)
        {
            Touch(session);
            if (!ShouldProcess(session.ToString(), "Disconnect")) return;
            if (!session.IsOpen) WriteVerbose(CmdletTexts.AlreadyEnded(session.Id, session.State));
            var dropped = Await(ct => session.CloseAsync(TimeSpan.FromSeconds(5)));
            if (dropped > 0) WriteVerbose(CmdletTexts.QueuedDiscarded(session.Id, dropped));
            SessionRegistry.Remove(CurrentRunspace, session);
            WriteDiagnostics();
            if (PassThru) WriteObject(session);
        }
    }
}
