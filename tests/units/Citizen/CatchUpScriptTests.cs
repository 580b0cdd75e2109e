using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>examples/Invoke-C2CatchUp.ps1 run twice against the simulator, as a scheduled task would.</summary>
    public class CatchUpScriptTests
    {
        private static string Script => Path.Combine(Repo.Root, "examples", "Invoke-C2CatchUp.ps1");

        private const string Run = @"
$global:seen = [System.Collections.ArrayList]::new()
& $args[0] -StrategyId 31337, 31338 -Uri $args[1] -ApiKey $args[2] -CheckpointPath $args[3] -CsvPath $args[4] -IdleTimeoutSec $args[5] -Process { param($s) $null = $global:seen.Add(('{0}:{1}:{2}' -f $s.StrategyId, $s.SeqId, $_.symbol)) }
$LASTEXITCODE
$global:seen
";

        [Fact]
        public async Task Second_run_gets_only_the_signals_published_after_the_first()
        {
            await using var sim = await Sim.StartFastAsync();
            var dir = Path.Combine(Path.GetTempPath(), "c2-catchup-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            var checkpoint = Path.Combine(dir, "c2.checkpoint.json");
            var csv = Path.Combine(dir, "signals.csv");
            try
            {
                // First run: no checkpoint yet, so it receives what is published while it runs.
                using (var sh = new PsShell())
                {
                    using var run = sh.Start(Run, Script, sim.Uri, sim.DemoApiKey, checkpoint, csv, 3);
                    await sim.WaitForAsync(x => x.Connections.Sum(c => c.Subscriptions.Count) == 2, Sim.Wait);
                    sim.PublishSignal(31337, new { strategy_id = 31337, symbol = "ESZ6", side = "buy", quantity = 1 });
                    sim.PublishSignal(31338, new { strategy_id = 31338, symbol = "CLF7", side = "sell", quantity = 2 });
                    sim.PublishSignal(31337, new { strategy_id = 31337, symbol = "ESZ6", side = "sell", quantity = 1 });
                    Assert.True(await Task.Run(() => run.Wait(Sim.Wait)), "the first run did not finish");
                    var r = run.End();
                    Assert.True(r.Terminating == null && r.Errors.Count == 0, string.Join(" | ", r.AllErrors.Select(e => e.ToString())));
                    Assert.Equal(0, (int)r.Output[0].BaseObject);
                    Assert.Equal(new[] { "31337:1:ESZ6", "31337:2:ESZ6", "31338:1:CLF7" }, r.Output.Skip(1).Select(o => o.ToString()).OrderBy(x => x, StringComparer.Ordinal).ToArray());
                    Assert.Empty(sh.Run("Get-C2Session").Output);
                }
                using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(checkpoint)))
                    Assert.Equal(2, doc.RootElement.GetProperty("streams").GetProperty("strategy.signal:31337").GetProperty("seq").GetInt64());
                Assert.Equal(4, File.ReadAllLines(csv).Length); // header + 3

                // Published while no run is connected: the second run fetches them from its checkpoint, and only them.
                await sim.WaitForAsync(x => x.Connections.All(c => c.Subscriptions.Count == 0), Sim.Wait);
                sim.PublishSignal(31337, new { strategy_id = 31337, symbol = "NQZ6", side = "buy", quantity = 3 });
                sim.PublishSignal(31338, new { strategy_id = 31338, symbol = "CLF7", side = "buy", quantity = 4 });

                using (var sh = new PsShell())
                {
                    var r = sh.Run(Run, Script, sim.Uri, sim.DemoApiKey, checkpoint, csv, 1);
                    Assert.True(r.Terminating == null && r.Errors.Count == 0, string.Join(" | ", r.AllErrors.Select(e => e.ToString())));
                    Assert.Equal(0, (int)r.Output[0].BaseObject);
                    Assert.Equal(new[] { "31337:3:NQZ6", "31338:2:CLF7" }, r.Output.Skip(1).Select(o => o.ToString()).OrderBy(x => x, StringComparer.Ordinal).ToArray());
                }
                var rows = File.ReadAllLines(csv);
                Assert.Equal(6, rows.Length);
                Assert.StartsWith("\"ReceivedAt\",\"Timestamp\",\"StrategyId\",\"SeqId\",\"symbol\"", rows[0]);
                Assert.Contains(rows, l => l.Contains("\"NQZ6\"") && l.Contains("\"31337\",\"3\""));

                // No key at all: exit code 3, nothing connects.
                using (var sh = new PsShell())
                {
                    var saved = Environment.GetEnvironmentVariable("C2_API_KEY");
                    Assert.True(string.IsNullOrEmpty(saved), "the test expects no C2_API_KEY in the environment");
                    var r = sh.Run("& $args[0] -StrategyId 1 -Uri $args[1] -CheckpointPath $args[2] -SecretName none 2>$null; $LASTEXITCODE", Script, sim.Uri, checkpoint);
                    Assert.Equal(3, (int)r.Output.Last().BaseObject);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
