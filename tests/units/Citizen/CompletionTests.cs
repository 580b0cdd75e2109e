using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>Tab completion through the engine's own completion entry point, from local state only.</summary>
    public class CompletionTests
    {
        private static string[] Complete(PsShell sh, string input)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = sh.Runspace;
            var result = CommandCompletion.CompleteInput(input, input.Length, null, ps);
            return result.CompletionMatches.Select(m => m.CompletionText).ToArray();
        }

        [Fact]
        public async Task StrategyId_Channel_and_Session_complete_from_the_sessions_of_the_runspace()
        {
            await using var sim = await Sim.StartFastAsync();
            var checkpoint = Path.Combine(Path.GetTempPath(), "c2-complete-" + System.Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(checkpoint, "{\"version\":1,\"streams\":{\"strategy.signal:55501234\":17}}");
            try
            {
                using var sh = new PsShell();
                sh.Run("$s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -CheckpointPath $args[2]", sim.Uri, sim.DemoApiKey, checkpoint).ThrowIfFailed();
                sh.Run("Add-C2Subscription -StrategyId 12345678, 12399999 | Out-Null").ThrowIfFailed();

                var ids = Complete(sh, "Receive-C2Signal -StrategyId ");
                Assert.Equal(new[] { "12345678", "12399999", "55501234" }, ids);
                Assert.Equal(new[] { "12345678", "12399999" }, Complete(sh, "Get-C2Subscription -StrategyId 123"));
                Assert.Equal(new[] { "55501234" }, Complete(sh, "Remove-C2Subscription -StrategyId 555"));
                // An explicit -Session is honoured (evaluated from the variable without side effects).
                Assert.Contains("12345678", Complete(sh, "Add-C2Subscription -Session $s -StrategyId "));

                Assert.Equal(new[] { "strategy.positions", "strategy.signal" }, Complete(sh, "Add-C2Subscription -StrategyId 1 -Channel ").OrderBy(x => x, System.StringComparer.Ordinal).ToArray());
                Assert.Equal(new[] { "strategy.positions" }, Complete(sh, "Receive-C2Signal -Channel strategy.p"));

                sh.Run("$s2 = Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
                var sessions = Complete(sh, "Disconnect-C2Socket -Session ");
                var ids2 = sh.Run("Get-C2Session | ForEach-Object Id").Output.Select(o => o.ToString()).ToArray();
                Assert.Equal(ids2.Select(i => "(Get-C2Session -Id " + i + ")").ToArray(), sessions);
                // The completion text is a working expression.
                var viaCompletion = sh.Run(sessions[0]).Output.Single().BaseObject;
                Assert.Same(sh.Run("$s").Output.Single().BaseObject, viaCompletion);

                // The new default session (no subscriptions, no checkpoint) offers nothing; -Session $s still does.
                Assert.Empty(Complete(sh, "Receive-C2Signal -StrategyId "));
                Assert.Equal(3, Complete(sh, "Receive-C2Signal -Session $s -StrategyId ").Length);
                sh.Run("Disconnect-C2Socket -All").ThrowIfFailed();
            }
            finally
            {
                File.Delete(checkpoint);
                if (File.Exists(checkpoint + ".lock")) File.Delete(checkpoint + ".lock");
            }
        }
    }
}
