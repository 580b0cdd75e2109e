using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Shared plumbing: a cancellation token that Ctrl+C (StopProcessing) cancels and that every wait observes,
    /// background diagnostics written on the pipeline thread, and ErrorRecords with stable ErrorIds.
    /// </summary>
    public abstract class C2CmdletBase : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly List<C2Session> _touched = new List<C2Session>();

        protected CancellationToken StopToken => _stopping.Token;

        protected static Runspace CurrentRunspace => Runspace.DefaultRunspace;

        protected override void StopProcessing()
        {
            _stopping.Cancel();
            foreach (var s in _touched) s.WakeReaders();
        }

        protected override void EndProcessing() => WriteDiagnostics();

        protected void Touch(C2Session session)
        {
            if (!_touched.Contains(session)) _touched.Add(session);
        }

        /// <summary>Writes what the background recorded for the sessions this command used. Pipeline thread only.</summary>
        protected void WriteDiagnostics()
        {
            foreach (var s in _touched)
            {
                foreach (var d in s.DrainDiagnostics())
                {
                    switch (d.Kind)
                    {
                        case DiagnosticKind.Verbose: WriteVerbose(d.Text); break;
                        case DiagnosticKind.Debug: WriteDebug(d.Text); break;
                        case DiagnosticKind.Warning: WriteWarning(d.Text); break;
                        case DiagnosticKind.Error:
                            var ex = d.Exception ?? new InvalidOperationException(d.Text);
                            var record = new ErrorRecord(ex, d.ErrorId ?? "C2SessionError", d.Category, d.Target);
                            record.ErrorDetails = new ErrorDetails(d.Text);
                            WriteError(record);
                            break;
                    }
                }
            }
        }

        /// <summary>Runs async work on the pipeline thread, cancelled by Ctrl+C.</summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            try
            {
                return work(StopToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        protected static ErrorRecord Error(Exception ex, string errorId, ErrorCategory category, object? target, string? message = null)
        {
            var record = new ErrorRecord(ex, errorId, category, target);
            if (message != null) record.ErrorDetails = new ErrorDetails(message);
            return record;
        }

        protected static ErrorRecord ConnectError(C2ConnectException ex)
        {
            var record = new ErrorRecord(ex, ex.ErrorId, ex.Category, ex.Uri);
            record.ErrorDetails = new ErrorDetails(ex.Message);
            if (ex.IsAuthenticationFailure) record.ErrorDetails.RecommendedAction = "Check the API key: pass -ApiKey (a SecureString, e.g. from Get-Secret) or set $env:C2_API_KEY.";
            else if (ex.IsThrottle) record.ErrorDetails.RecommendedAction = "Wait before connecting again; close other sessions that use the same API key.";
            return record;
        }
    }

    /// <summary>Base of the cmdlets that act on a session: -Session, or the runspace's default session.</summary>
    public abstract class C2SessionCmdletBase : C2CmdletBase
    {
        protected C2Session ResolveSession(C2Session? explicitSession)
        {
            var session = explicitSession ?? SessionRegistry.Default(CurrentRunspace);
            if (session == null)
            {
                ThrowTerminatingError(Error(new InvalidOperationException("No C2 session."), "C2NoSession", ErrorCategory.ObjectNotFound, null,
                    "There is no C2 session in this runspace. Run Connect-C2Socket first, or pass one with -Session."));
            }
            Touch(session!);
            return session!;
        }
    }
}
