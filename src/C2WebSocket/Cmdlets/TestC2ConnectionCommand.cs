using System;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

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
            var started = options.TimeProvider.GetTimestamp();
            try
            {
                Await(async ct => { await session.OpenAsync(ct).ConfigureAwait(false); return true; });
                result.RoundTripMs = Math.Round(options.TimeProvider.GetElapsedTime(started).TotalMilliseconds, 1);
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
}
