using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on a session: -Session (from the pipeline too), or the runspace's default session.
    /// </summary>
    public abstract class C2SessionCmdletBase : C2CmdletBase
    {
        /// <summary>The session to use, or its id; default: the runspace's default session (the last one Connect-C2Socket
        /// opened). Cmdlets whose first positional argument is the session override it to add Position = 0.</summary>
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [SessionTransformation]
        [ValidateNotNull]
        public virtual C2Session? Session { get; set; }

        /// <summary>-Session, else the default session; a terminating C2NoSession error when there is neither.</summary>
        protected C2Session ResolveSession(C2Session? explicitSession = null)
        {
            var session = explicitSession ?? Session ?? SessionRegistry.Default(CurrentRunspace);
            if (session == null) ThrowTerminatingError(NoSessionError());
            Touch(session!);
            return session!;
        }

        /// <summary>"No session", or "no default session" with the ids of the open ones.</summary>
        protected static ErrorRecord NoSessionError()
        {
            var open = SessionRegistry.All(CurrentRunspace);
            var message = open.Count == 0
                ? ParameterTexts.NoDefaultSession(null, 0)
                : ParameterTexts.NoDefaultSession(SessionRegistry.OpenIdsText(CurrentRunspace), open[0].Id);
            return C2ErrorTable.Record(C2ErrorId.NoSession, new InvalidOperationException(message), null, message);
        }
    }
}
