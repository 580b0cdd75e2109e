using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// A runspace of the real PowerShell 7.6 engine with the built module imported through its psd1.
    /// Every stream is collected so tests can assert on errors, warnings and verbose output.
    /// </summary>
    public sealed class PsShell : IDisposable
    {
        public Runspace Runspace { get; }

        public PsShell(PSHost? host = null)
        {
            var iss = InitialSessionState.CreateDefault2();
            Runspace = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
            Runspace.Open();
            var r = Run("Import-Module -Name $args[0] -ErrorAction Stop", Repo.ModuleManifest);
            if (r.Errors.Count > 0) throw new InvalidOperationException("Import-Module failed: " + r.Errors[0]);
        }

        public PsResult Run(string script, params object?[] args) => Run(script, null, args);

        public PsResult Run(string script, IDictionary<string, object?>? variables, params object?[] args)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = Runspace;
            if (variables != null)
                foreach (var kv in variables) Runspace.SessionStateProxy.SetVariable(kv.Key, kv.Value);
            ps.AddScript(script);
            foreach (var a in args) ps.AddArgument(a);
            var result = new PsResult();
            try
            {
                result.Output = ps.Invoke().ToList();
            }
            catch (RuntimeException ex)
            {
                result.Terminating = ex;
            }
            result.Collect(ps);
            return result;
        }

        /// <summary>Starts a pipeline without waiting: for streaming and Ctrl+C tests.</summary>
        public RunningPipeline Start(string script, params object?[] args)
        {
            var ps = PowerShell.Create();
            ps.Runspace = Runspace;
            ps.AddScript(script);
            foreach (var a in args) ps.AddArgument(a);
            return new RunningPipeline(ps);
        }

        public void Dispose()
        {
            Runspace.Dispose();
        }
    }

    public sealed class PsResult
    {
        public List<PSObject> Output { get; set; } = new List<PSObject>();
        public RuntimeException? Terminating { get; set; }
        public List<ErrorRecord> Errors { get; } = new List<ErrorRecord>();
        public List<string> Warnings { get; } = new List<string>();
        public List<string> Verbose { get; } = new List<string>();
        public List<string> Debug { get; } = new List<string>();
        public List<string> Information { get; } = new List<string>();

        internal void Collect(PowerShell ps)
        {
            Errors.AddRange(ps.Streams.Error);
            Warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
            Verbose.AddRange(ps.Streams.Verbose.Select(w => w.Message));
            Debug.AddRange(ps.Streams.Debug.Select(w => w.Message));
            Information.AddRange(ps.Streams.Information.Select(w => w.MessageData?.ToString() ?? ""));
        }

        public ErrorRecord? TerminatingRecord => (Terminating as IContainsErrorRecord)?.ErrorRecord;

        /// <summary>Every error (terminating or not), for assertions that do not care which.</summary>
        public IEnumerable<ErrorRecord> AllErrors => TerminatingRecord != null ? Errors.Concat(new[] { TerminatingRecord }) : Errors;

        public void ThrowIfFailed()
        {
            if (Terminating != null) throw new Xunit.Sdk.XunitException("Pipeline failed: " + Terminating.ErrorRecord.FullyQualifiedErrorId + ": " + Terminating.Message);
            if (Errors.Count > 0) throw new Xunit.Sdk.XunitException("Pipeline wrote errors: " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        }
    }

    /// <summary>A pipeline started asynchronously; its output arrives in <see cref="Output"/> as it is written.</summary>
    public sealed class RunningPipeline : IDisposable
    {
        private readonly PowerShell _ps;
        private readonly IAsyncResult _async;
        public PSDataCollection<PSObject> Output { get; } = new PSDataCollection<PSObject>();

        internal RunningPipeline(PowerShell ps)
        {
            _ps = ps;
            var input = new PSDataCollection<PSObject>();
            input.Complete();
            _async = ps.BeginInvoke(input, Output);
        }

        public PowerShell PowerShell => _ps;
        public PSInvocationState State => _ps.InvocationStateInfo.State;

        /// <summary>Waits until the output holds at least <paramref name="count"/> objects.</summary>
        public void WaitForOutput(int count, TimeSpan timeout)
        {
            using var signal = new SemaphoreSlim(0);
            EventHandler<DataAddedEventArgs> onAdded = (_, __) => signal.Release();
            Output.DataAdded += onAdded;
            try
            {
                var deadline = DateTime.UtcNow + timeout;
                while (Output.Count < count)
                {
                    if (_async.IsCompleted) throw new Xunit.Sdk.XunitException("The pipeline ended (" + State + ") with " + Output.Count + " of " + count + " objects. " + Describe());
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) throw new TimeoutException("Waited " + timeout + " for " + count + " objects; got " + Output.Count + ". " + Describe());
                    signal.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
                }
            }
            finally
            {
                Output.DataAdded -= onAdded;
            }
        }

        private string Describe() => string.Join(" | ", _ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e));

        public bool Wait(TimeSpan timeout) => _async.AsyncWaitHandle.WaitOne(timeout);

        public PsResult End()
        {
            var r = new PsResult();
            try { _ps.EndInvoke(_async); }
            catch (RuntimeException ex) { r.Terminating = ex; }
            r.Output = Output.ToList();
            r.Collect(_ps);
            return r;
        }

        public void Dispose() => _ps.Dispose();
    }
}
