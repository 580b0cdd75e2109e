using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
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
                else WriteError(Error(C2ErrorId.SessionNotFound, new ItemNotFoundException(CmdletTexts.NoSessionWithIdShort(id)), id,
                    CmdletTexts.NoSessionWithId(id, SessionRegistry.OpenIdsText(CurrentRunspace))));
            }
        }
    }
}
