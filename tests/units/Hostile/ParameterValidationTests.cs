using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests.Hostile
{
    /// <summary>Every cmdlet's bad parameter values: the ErrorId, and a message that names the parameter.</summary>
    public class ParameterValidationTests
    {
        private readonly ITestOutputHelper _out;
        public ParameterValidationTests(ITestOutputHelper output) { _out = output; }

        // script (run with $sim = the simulator's URI and $key = its key; a session to it is open unless noted),
        // the expected ErrorId, and text the message must contain (the parameter name, or what is allowed).
        public static readonly (string Script, string ErrorId, string[] Mentions)[] Cases =
        {
            // Connect-C2Socket / Test-C2Connection: ranges, URI schemes, combinations, the key.
            ("Connect-C2Socket -ApiKey $key -Uri $sim -TimeoutSec -1", "ParameterArgumentValidationError", new[] { "TimeoutSec", "0" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -TimeoutSec 86401", "ParameterArgumentValidationError", new[] { "TimeoutSec", "86400" }),
            ("Connect-C2Socket -ApiKey $key -Uri http://127.0.0.1/ws", "ParameterArgumentValidationError", new[] { "Uri", "wss://" }),
            ("Connect-C2Socket -ApiKey $key -Uri 'not a uri'", "ParameterArgumentValidationError", new[] { "Uri", "wss://" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -Proxy ftp://127.0.0.1:21", "ParameterArgumentValidationError", new[] { "Proxy", "http://" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -NoProxy -Proxy http://127.0.0.1:3128", "C2InvalidParameterCombination", new[] { "-NoProxy", "-Proxy" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -Proxy http://127.0.0.1:3128 -ProxyUseDefaultCredentials -ProxyCredential ([pscredential]::new('u', [securestring]::new()))", "C2InvalidParameterCombination", new[] { "-ProxyCredential", "-ProxyUseDefaultCredentials" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -ProxyUseDefaultCredentials", "C2InvalidParameterCombination", new[] { "-Proxy" }),
            ("Connect-C2Socket -ApiKey 42 -Uri $sim", "ParameterArgumentTransformationError", new[] { "ApiKey", "SecureString" }),
            ("Connect-C2Socket -ApiKey '' -Uri $sim", "C2ApiKeyMissing", new[] { "-ApiKey", "C2_API_KEY" }),
            ("$env:C2_API_KEY = $null; Connect-C2Socket -Uri $sim", "C2ApiKeyMissing", new[] { "-ApiKey", "C2_API_KEY" }),
            ("Connect-C2Socket -ApiKey $key -Uri ws://192.0.2.10/ws", "C2UnencryptedAuthentication", new[] { "192.0.2.10", "-AllowUnencryptedAuthentication" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -MaxReconnectAttempts -2", "ParameterArgumentValidationError", new[] { "MaxReconnectAttempts" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -ReconnectIntervalSec 0", "ParameterArgumentValidationError", new[] { "ReconnectIntervalSec" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -HeartbeatTimeoutSec 0", "ParameterArgumentValidationError", new[] { "HeartbeatTimeoutSec" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -InboxCapacity 0", "ParameterArgumentValidationError", new[] { "InboxCapacity" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -MaxMessageSizeKB 0", "ParameterArgumentValidationError", new[] { "MaxMessageSizeKB" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -MaxMessageSizeKB 2000000", "ParameterArgumentValidationError", new[] { "MaxMessageSizeKB", "1048576" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -CheckpointPath ''", "ParameterArgumentValidationError", new[] { "CheckpointPath" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -CheckpointPath ($tmp + '/no/such/folder/cp.json')", "C2CheckpointUnreadable", new[] { "CheckpointPath", "folder" }),
            ("[IO.File]::WriteAllText($tmp + '/bad.json', 'garbage{'); Connect-C2Socket -ApiKey $key -Uri $sim -CheckpointPath ($tmp + '/bad.json')", "C2CheckpointUnreadable", new[] { "CheckpointPath", "not a C2WebSocket checkpoint" }),
            ("Connect-C2Socket -ApiKey $key -Uri $sim -ResumeFromFormat Banana", "CannotConvertArgumentNoMessage", new[] { "ResumeFromFormat", "String" }),
            ("Test-C2Connection -ApiKey $key -Uri $sim -TimeoutSec -1", "ParameterArgumentValidationError", new[] { "TimeoutSec" }),
            ("Test-C2Connection -ApiKey $key -Uri https://127.0.0.1/ws", "ParameterArgumentValidationError", new[] { "Uri", "wss://" }),
            ("Test-C2Connection -ApiKey $key -Uri $sim -NoProxy -ProxyUseDefaultCredentials", "C2InvalidParameterCombination", new[] { "-NoProxy" }),
            // Add-C2Subscription
            ("Add-C2Subscription -StrategyId 0", "ParameterArgumentValidationError", new[] { "StrategyId" }),
            ("Add-C2Subscription -StrategyId -5", "ParameterArgumentValidationError", new[] { "StrategyId" }),
            ("Add-C2Subscription -StrategyId 1 -Channel strategy.orders", "ParameterArgumentValidationError", new[] { "Channel", "strategy.signal", "strategy.positions" }),
            ("Add-C2Subscription -StrategyId 1 -ResumeFrom -1", "ParameterArgumentValidationError", new[] { "ResumeFrom" }),
            ("Add-C2Subscription -StrategyId 1 -TimeoutSec -1", "ParameterArgumentValidationError", new[] { "TimeoutSec" }),
            ("Add-C2Subscription -StrategyId 1 -Channel strategy.positions -ResumeFrom 5", "C2ResumeFromNotSupported", new[] { "-ResumeFrom", "strategy.signal" }),
            ("Add-C2Subscription -StrategyId 1 -Session $null", "ParameterArgumentValidationError", new[] { "Session" }),
            // Remove-C2Subscription
            ("Remove-C2Subscription -StrategyId 0", "ParameterArgumentValidationError", new[] { "StrategyId" }),
            ("Remove-C2Subscription -StrategyId 1 -Channel nope", "ParameterArgumentValidationError", new[] { "Channel", "strategy.signal" }),
            ("Remove-C2Subscription -StrategyId 424242", "C2SubscriptionNotFound", new[] { "-StrategyId", "424242" }),
            ("Remove-C2Subscription -StrategyId 1 -TimeoutSec -1", "ParameterArgumentValidationError", new[] { "TimeoutSec" }),
            ("Remove-C2Subscription -Subscription $null", "ParameterArgumentValidationError", new[] { "Subscription" }),
            // Get-C2Subscription
            ("Get-C2Subscription -StrategyId 0", "ParameterArgumentValidationError", new[] { "StrategyId" }),
            ("Get-C2Subscription -Channel nope", "ParameterArgumentValidationError", new[] { "Channel", "strategy.positions" }),
            // Get-C2Session
            ("Get-C2Session -Id 0", "ParameterArgumentValidationError", new[] { "Id" }),
            ("Get-C2Session -Id 987654", "C2SessionNotFound", new[] { "-Id", "987654" }),
            ("Get-C2Session -Id 1 -Default", "AmbiguousParameterSet", new string[0]),
            // Receive-C2Signal
            ("Receive-C2Signal -Count -1", "ParameterArgumentValidationError", new[] { "Count" }),
            ("Receive-C2Signal -TimeoutSec -1", "ParameterArgumentValidationError", new[] { "TimeoutSec" }),
            ("Receive-C2Signal -IdleTimeoutSec -1", "ParameterArgumentValidationError", new[] { "IdleTimeoutSec" }),
            ("Receive-C2Signal -Channel nope -TimeoutSec 1", "ParameterArgumentValidationError", new[] { "Channel", "strategy.signal" }),
            ("Receive-C2Signal -StrategyId 0 -TimeoutSec 1", "ParameterArgumentValidationError", new[] { "StrategyId" }),
            ("Receive-C2Signal -Session $null", "ParameterArgumentValidationError", new[] { "Session" }),
            // Disconnect-C2Socket
            ("Disconnect-C2Socket -Session $null", "ParameterArgumentValidationError", new[] { "Session" }),
            ("Disconnect-C2Socket -All -Session (Get-C2Session -Default)", "AmbiguousParameterSet", new string[0]),
        };

        [Fact]
        public async Task Every_bad_parameter_value_is_refused_with_its_ErrorId_and_a_message_naming_the_parameter()
        {
            await using var sim = await TransportSafetyTests.StartSimAsync();
            var tmp = Path.Combine(Path.GetTempPath(), "c2-params-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(tmp);
            try
            {
                using var sh = new PsShell();
                var open = sh.Run("param($u, $k, $t) $global:sim = $u; $global:key = $k; $global:tmp = $t; Connect-C2Socket -ApiKey $k -Uri $u -MaxReconnectAttempts 0 | Out-Null",
                    sim.Uri, TransportSafetyTests.Key, tmp);
                open.ThrowIfFailed();
                var failures = new System.Collections.Generic.List<string>();
                foreach (var (script, errorId, mentions) in Cases)
                {
                    var r = sh.Run(script);
                    var rec = r.AllErrors.FirstOrDefault();
                    if (rec == null) { failures.Add($"{script}: no error (output: {string.Join(",", r.Output)})"); continue; }
                    var id = rec.FullyQualifiedErrorId.Split(',')[0];
                    var message = rec.ErrorDetails?.Message ?? rec.Exception.Message;
                    if (id != errorId) failures.Add($"{script}: ErrorId {rec.FullyQualifiedErrorId}, expected {errorId} ({message})");
                    foreach (var m in mentions)
                        if (message.IndexOf(m, StringComparison.OrdinalIgnoreCase) < 0) failures.Add($"{script}: message does not mention '{m}': {message}");
                    if (message.Contains(TransportSafetyTests.Key)) failures.Add($"{script}: the message contains the API key");
                }
                foreach (var f in failures) _out.WriteLine(f);
                Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
                // The session survived the barrage.
                var after = sh.Run("(Get-C2Session -Default).State");
                Assert.Equal("Connected", after.Output.Single().ToString());
            }
            finally
            {
                try { Directory.Delete(tmp, true); } catch (Exception) { }
            }
        }

        [Fact]
        public void Cmdlets_that_need_a_session_say_so_when_there_is_none()
        {
            using var sh = new PsShell();
            // Disconnect-C2Socket is idempotent: with nothing to close it does nothing and says so with -Verbose.
            var idle = sh.Run("Disconnect-C2Socket -Verbose");
            Assert.Empty(idle.AllErrors);
            Assert.Contains(idle.Verbose, v => v.Contains("nothing to close"));
            foreach (var script in new[] { "Add-C2Subscription -StrategyId 1", "Get-C2Subscription", "Receive-C2Signal -TimeoutSec 1", "Remove-C2Subscription -StrategyId 1" })
            {
                var rec = sh.Run(script).AllErrors.FirstOrDefault();
                Assert.NotNull(rec);
                Assert.StartsWith("C2NoSession,", rec!.FullyQualifiedErrorId);
                Assert.Contains("Connect-C2Socket", rec.ErrorDetails.Message);
                Assert.Contains("-Session", rec.ErrorDetails.Message);
            }
        }
    }
}
