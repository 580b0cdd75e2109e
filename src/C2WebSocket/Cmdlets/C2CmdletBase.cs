using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Shared plumbing: a cancellation token that Ctrl+C (StopProcessing) cancels and that every wait observes,
    /// background diagnostics written on the pipeline thread, and ErrorRecords from the one error table.
    /// </summary>
    public abstract class C2CmdletBase : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly List<C2Session> _touched = new List<C2Session>();

        protected CancellationToken StopToken => _stopping.Token;

        protected static Runspace CurrentRunspace => Runspace.DefaultRunspace;

        protected override void StopProcessing() => _stopping.Cancel();

        protected override void EndProcessing() => WriteDiagnostics();

        private bool? _verboseAsDebug;

        /// <summary>
        /// -Debug without -Verbose: for a compiled cmdlet PowerShell then sets the verbose preference to Inquire, so every
        /// verbose line would stop and ask "Continue with this operation?" (and fail in a non-interactive pwsh). The
        /// debug story includes the verbose one, so under -Debug alone those lines go to the debug stream instead.
        /// </summary>
        private bool VerboseAsDebug
        {
            get
            {
                if (_verboseAsDebug == null)
                {
                    var bound = MyInvocation.BoundParameters;
                    var debug = bound.TryGetValue("Debug", out var d) && (d is SwitchParameter sw ? sw.IsPresent : d is bool b && b);
                    _verboseAsDebug = debug && !bound.ContainsKey("Verbose");
                }
                return _verboseAsDebug.Value;
            }
        }

        /// <summary>Writes a verbose line (to the debug stream under -Debug alone; see <see cref="VerboseAsDebug"/>).</summary>
        protected new void WriteVerbose(string text)
        {
            if (VerboseAsDebug) WriteDebug(text);
            else base.WriteVerbose(text);
        }

        /// <summary>
        /// -Debug also turns a compiled cmdlet's warning preference into Inquire, so the first warning would stop and ask
        /// (and be a terminating error in a non-interactive pwsh, ending a script that was only run with -Debug to see
        /// more). Unless -WarningAction is given, warnings follow $WarningPreference as they do without -Debug. The
        /// engine offers no public way to say so; if its runtime ever lacks the property, PowerShell's own rule stays.
        /// </summary>
        protected override void BeginProcessing()
        {
            var bound = MyInvocation.BoundParameters;
            var debug = bound.TryGetValue("Debug", out var d) && (d is SwitchParameter sw ? sw.IsPresent : d is bool b && b);
            if (!debug || bound.ContainsKey("WarningAction")) return;
            try
            {
                var value = SessionState.PSVariable.GetValue("WarningPreference");
                var preference = LanguagePrimitives.TryConvertTo<ActionPreference>(value, out var p) ? p : ActionPreference.Continue;
                var property = CommandRuntime?.GetType().GetProperty("WarningPreference", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
                if (property != null && property.CanWrite && property.PropertyType == typeof(ActionPreference))
                    property.SetValue(CommandRuntime, preference, null);
            }
            catch (Exception ex) when (ex is TargetInvocationException || ex is MemberAccessException || ex is ArgumentException ||
                                       ex is InvalidOperationException)
            {
                // PowerShell's own rule (ask before each warning) stays.
            }
        }

        /// <summary>Notes that this command uses the session. The first time: the commit point of the checkpoint's rule,
        /// the session's next command, so what earlier, completed Receive-C2Signal statements emitted is committed now.</summary>
        protected void Touch(C2Session session)
        {
            if (_touched.Contains(session)) return;
            _touched.Add(session);
            session.CommitCheckpoint();
        }

        /// <summary>Writes what the background recorded for the sessions this command used. Pipeline thread only.</summary>
        protected void WriteDiagnostics()
        {
            foreach (var s in _touched)
            {
                // Called before every object Receive-C2Signal writes: no enumerator when there is nothing to say.
                if (!s.HasDiagnostics) continue;
                foreach (var d in s.DrainDiagnostics())
                {
                    if (!Withhold(s, d)) WriteDiagnostic(d);
                }
            }
        }

        /// <summary>A cmdlet that says something itself in place of a diagnostic keeps it back (Receive-C2Signal: the end of a
        /// session, said by its C2SessionEnded).</summary>
        protected virtual bool Withhold(C2Session session, C2Diagnostic diagnostic) => false;

        /// <summary>Writes one diagnostic on the stream that fits. Pipeline thread only.</summary>
        protected void WriteDiagnostic(C2Diagnostic d)
        {
            switch (d.Level)
            {
                case C2DiagnosticLevel.Debug: WriteDebug(d.Message); break;
                case C2DiagnosticLevel.Verbose: WriteVerbose(d.Message); break;
                case C2DiagnosticLevel.Warning: WriteWarning(d.Message); break;
                default: WriteError(ToRecord(d)); break;
            }
        }

        private static ErrorRecord ToRecord(C2Diagnostic d)
        {
            var id = C2ErrorTable.IdFor(d.Code) ?? C2ErrorId.SessionFaulted;
            var category = d.Target is Protocol.C2ServerError server ? C2ErrorTable.ForServerCode(server.Code) : (ErrorCategory?)null;
            return C2ErrorTable.Record(id, d.Exception ?? new InvalidOperationException(d.Message), d.Target, d.Message, category);
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

        protected static ErrorRecord Error(string errorId, Exception ex, object? target, string message,
                                           ErrorCategory? category = null, string? action = null) =>
            C2ErrorTable.Record(errorId, ex, target, message, category, action);

        /// <summary>The proxy parameters that do not fit together (Connect-C2Socket's and the REST cmdlets' own connection):
        /// a terminating error naming the parameter.</summary>
        protected void CheckProxyParameters(Uri? proxy, PSCredential? credential, bool useDefaultCredentials, bool noProxy)
        {
            if (noProxy && (proxy != null || credential != null || useDefaultCredentials))
                ThrowParameterError("NoProxy", ParameterTexts.NoProxyWithProxy);
            if (credential != null && useDefaultCredentials)
                ThrowParameterError("ProxyCredential", ParameterTexts.ProxyCredentialTwice);
            if ((credential != null || useDefaultCredentials) && proxy == null)
                ThrowParameterError("Proxy", ParameterTexts.ProxyCredentialWithoutProxy);
        }

        /// <summary>The API key: <paramref name="key"/>, else $env:C2_API_KEY (said in -Verbose); a terminating
        /// C2ApiKeyMissing when there is neither.</summary>
        protected SecureString ResolveApiKey(SecureString? key, bool noSession)
        {
            if (key == null)
            {
                var env = Environment.GetEnvironmentVariable("C2_API_KEY");
                if (!string.IsNullOrEmpty(env))
                {
                    key = SecureText.From(env!);
                    WriteVerbose(CmdletTexts.KeyFromEnvironment(noSession));
                }
            }
            if (key == null || key.Length == 0)
                ThrowTerminatingError(Error(C2ErrorId.ApiKeyMissing, new ArgumentException(CmdletTexts.NoApiKeyShort, "ApiKey"), null, CmdletTexts.NoApiKey));
            return key!;
        }

        /// <summary>A parameter value that cannot work: the message names the parameter.</summary>
        protected void ThrowParameterError(string parameter, string message, string errorId = C2ErrorId.InvalidParameterCombination)
        {
            ThrowTerminatingError(Error(errorId, new ArgumentException(message, parameter), null, ParameterTexts.Parameter(parameter, message)));
        }
    }
}
