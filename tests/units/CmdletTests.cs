using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>The cmdlets driven through real pipelines in the hosted PowerShell 7.6 engine.</summary>
    public class CmdletTests
    {
        private const string Connect = "Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -HeartbeatTimeoutSec 5";

        [Fact]
        public async Task Design_pipeline_connect_subscribe_receive_where()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            var run = sh.Start(Connect + " | Add-C2Subscription -StrategyId 12345678, 87654321 | Receive-C2Signal -Count 6 | Where-Object side -eq 'buy'",
                sim.Uri, sim.DemoApiKey);
            await sim.WaitForAsync(x => x.Connections.Sum(c => c.Subscriptions.Count) == 2, Sim.Wait);
            var sides = new[] { "buy", "sell", "buy", "sell", "sell", "buy" };
            for (var i = 0; i < sides.Length; i++)
                sim.PublishSignal(i % 2 == 0 ? 12345678 : 87654321, new { strategy_id = i % 2 == 0 ? 12345678 : 87654321, symbol = "ESZ6", side = sides[i], quantity = i + 1 });
            Assert.True(run.Wait(Sim.Wait), "pipeline did not finish");
            var r = run.End();
            r.ThrowIfFailed();
            Assert.Equal(new long[] { 1, 3, 6 }, r.Output.Select(o => (long)o.Properties["quantity"].Value).ToArray());
            Assert.All(r.Output, o => Assert.IsType<C2Signal>(o.BaseObject));
            var first = (C2Signal)r.Output[0].BaseObject;
            Assert.Equal(12345678, first.StrategyId);
            Assert.Equal("strategy.signal", first.Channel);
            Assert.Equal(1, first.SeqId);
        }

        [Fact]
        public async Task Default_session_pipeline_with_idle_timeout_and_foreach()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run("$s = " + Connect, sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            sh.Run("Add-C2Subscription -StrategyId 12345678 | Out-Null").ThrowIfFailed();
            foreach (var q in new[] { 5, 6, 7 }) sim.PublishSignal(12345678, new { strategy_id = 12345678, symbol = "NQZ6", quantity = q });
            var r = sh.Run("Receive-C2Signal -IdleTimeoutSec 1 | ForEach-Object { $_.symbol + ':' + $_.quantity + ':' + $_.SeqId }");
            r.ThrowIfFailed();
            Assert.Equal(new[] { "NQZ6:5:1", "NQZ6:6:2", "NQZ6:7:3" }, r.Output.Select(o => o.ToString()).ToArray());
            var sessions = sh.Run("Get-C2Session");
            Assert.Same(sh.Run("$s").Output.Single().BaseObject, sessions.Output.Single().BaseObject);
        }

        [Fact]
        public async Task Where_Object_sees_the_first_signal_before_the_last_is_published()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            using var run = sh.Start("Receive-C2Signal -Count 3 | Where-Object { $_.quantity -gt 0 }");
            for (var i = 1; i <= 3; i++)
            {
                sim.PublishSignal(5, new { strategy_id = 5, quantity = i });
                // Each object reaches the end of the pipeline before the next one is even published.
                run.WaitForOutput(i, Sim.Wait);
                Assert.Equal(i, run.Output.Count);
            }
            Assert.True(run.Wait(Sim.Wait));
            run.End().ThrowIfFailed();
        }

        [Fact]
        public async Task Stop_ends_Receive_promptly_and_the_session_keeps_working_without_losing_a_signal()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            using (var run = sh.Start("Receive-C2Signal"))
            {
                sim.PublishSignal(5, new { strategy_id = 5, n = 1 });
                run.WaitForOutput(1, Sim.Wait);
                var sw = Stopwatch.StartNew();
                run.PowerShell.Stop();
                Assert.True(run.Wait(TimeSpan.FromSeconds(5)), "Receive-C2Signal did not stop within 5 s");
                Assert.Equal(PSInvocationState.Stopped, run.State);
            }
            // Published while nobody was receiving: kept for the next Receive-C2Signal.
            sim.PublishSignal(5, new { strategy_id = 5, n = 2 });
            var r = sh.Run("Receive-C2Signal -Count 1 -TimeoutSec 10 | ForEach-Object n");
            r.ThrowIfFailed();
            Assert.Equal(2L, r.Output.Single().BaseObject);
            Assert.Equal("Connected", sh.Run("(Get-C2Session).State").Output.Single().ToString());
        }

        [Fact]
        public async Task An_object_the_pipeline_could_not_take_is_delivered_next_time()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            sim.PublishSignal(5, new { strategy_id = 5, n = 1 });
            sim.PublishSignal(5, new { strategy_id = 5, n = 2 });
            // The downstream script fails on the first object: it was not processed, so it is not lost.
            var failed = sh.Run("Receive-C2Signal -Count 2 -TimeoutSec 10 | ForEach-Object { throw 'downstream broke' }");
            Assert.NotNull(failed.Terminating);
            var r = sh.Run("Receive-C2Signal -Count 2 -TimeoutSec 10 | ForEach-Object n");
            r.ThrowIfFailed();
            Assert.Equal(new object[] { 1L, 2L }, r.Output.Select(o => o.BaseObject).ToArray());
        }

        [Fact]
        public async Task Receive_filters_by_strategy_and_channel_and_leaves_the_rest_queued()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 1, 2 -Channel strategy.signal, strategy.positions | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            sim.PublishSignal(1, new { strategy_id = 1, tag = "s1" });
            sim.PublishPosition(1, new { strategy_id = 1, tag = "p1" });
            sim.PublishSignal(2, new { strategy_id = 2, tag = "s2" });
            sim.PublishPosition(2, new { strategy_id = 2, tag = "p2" });
            var only = sh.Run("Receive-C2Signal -StrategyId 2 -Channel strategy.positions -Count 1 -TimeoutSec 10 | ForEach-Object tag");
            only.ThrowIfFailed();
            Assert.Equal("p2", only.Output.Single().ToString());
            var rest = sh.Run("Receive-C2Signal -Count 3 -TimeoutSec 10 | ForEach-Object { $_.GetType().Name + ':' + $_.tag }");
            rest.ThrowIfFailed();
            Assert.Equal(new[] { "C2Signal:s1", "C2PositionUpdate:p1", "C2Signal:s2" }, rest.Output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public async Task TimeoutSec_and_IdleTimeoutSec_end_the_stream_without_error()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            var t = sh.Run("Receive-C2Signal -TimeoutSec 1 -Verbose");
            t.ThrowIfFailed();
            Assert.Empty(t.Output);
            Assert.Contains(t.Verbose, v => v.Contains("-TimeoutSec"));
            var i = sh.Run("Receive-C2Signal -IdleTimeoutSec 1 -Verbose");
            i.ThrowIfFailed();
            Assert.Contains(i.Verbose, v => v.Contains("-IdleTimeoutSec"));
        }

        [Fact]
        public async Task Receive_ends_when_the_session_is_closed()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " -MaxReconnectAttempts 0 | Add-C2Subscription -StrategyId 5 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            using var run = sh.Start("Receive-C2Signal");
            sim.PublishSignal(5, new { strategy_id = 5 });
            run.WaitForOutput(1, Sim.Wait);
            await sim.CloseAllAsync(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "maintenance");
            Assert.True(run.Wait(Sim.Wait), "Receive-C2Signal did not end with the session");
            var r = run.End();
            Assert.Null(r.Terminating);
            Assert.Contains(r.Warnings, w => w.Contains("reconnecting is turned off"));
        }

        [Fact]
        public async Task Bad_key_is_an_AuthenticationError_with_the_servers_reason_and_no_key_text()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            const string key = "wrong-key-7f3a9c";
            var r = sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1]", sim.Uri, key);
            var rec = Assert.Single(r.AllErrors);
            Assert.Equal("C2AuthenticationFailed,C2WebSocket.Commands.ConnectC2SocketCommand", rec!.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, rec.CategoryInfo.Category);
            Assert.Contains("Invalid API key", rec.ToString());
            Assert.DoesNotContain(key, rec.ToString());
            Assert.DoesNotContain(key, rec.Exception.ToString());
            Assert.Empty(sh.Run("Get-C2Session").Output);
        }

        [Fact]
        public async Task Server_error_reaches_the_user_with_code_field_and_message()
        {
            await using var sim = await Sim.StartFastAsync(o => o.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666));
            using var sh = new PsShell();
            sh.Run("$s = " + Connect, sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            var r = sh.Run("Add-C2Subscription -StrategyId 666, 7");
            var err = Assert.Single(r.Errors);
            Assert.Equal("C2SubscriptionRefused,C2WebSocket.Commands.AddC2SubscriptionCommand", err.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, err.CategoryInfo.Category);
            Assert.Contains("FORBIDDEN", err.ToString());
            Assert.Contains("StrategyId", err.ToString());
            Assert.Contains("Not authorized to subscribe to Strategy", err.ToString());
            // The other strategy of the same call was subscribed.
            Assert.Equal(7L, ((C2Subscription)r.Output.Single().BaseObject).StrategyId);
        }

        [Fact]
        public void No_session_is_a_clear_error()
        {
            using var sh = new PsShell();
            var r = sh.Run("Receive-C2Signal -Count 1");
            var rec = Assert.Single(r.AllErrors);
            Assert.Equal("C2NoSession,C2WebSocket.Commands.ReceiveC2SignalCommand", rec.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, rec.CategoryInfo.Category);
            Assert.Contains("Connect-C2Socket", rec.ToString());
        }

        [Fact]
        public async Task Subscriptions_chain_into_Remove_and_Disconnect_closes_the_session()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            sh.Run(Connect + " | Add-C2Subscription -StrategyId 1, 2, 3 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            sh.Run("Get-C2Subscription -StrategyId 1, 2 | Remove-C2Subscription").ThrowIfFailed();
            Assert.Equal("3", sh.Run("Get-C2Subscription | ForEach-Object StrategyId").Output.Single().ToString());
            await sim.WaitForAsync(x => x.Connections.Single().Subscriptions.Count == 1, Sim.Wait);
            var whatIf = sh.Run("Get-C2Session | Disconnect-C2Socket -WhatIf");
            whatIf.ThrowIfFailed();
            Assert.Single(sim.Connections);
            sh.Run("Get-C2Session | Disconnect-C2Socket").ThrowIfFailed();
            await sim.WaitForAsync(x => x.Connections.Count == 0, Sim.Wait);
            Assert.Empty(sh.Run("Get-C2Session").Output);
        }

        [Fact]
        public async Task Test_C2Connection_reports_without_keeping_a_session()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            var ok = sh.Run("Test-C2Connection -Uri $args[0] -ApiKey $args[1]", sim.Uri, sim.DemoApiKey);
            ok.ThrowIfFailed();
            var result = (C2ConnectionTestResult)ok.Output.Single().BaseObject;
            Assert.True(result.Authenticated);
            Assert.Equal(101, result.StatusCode);
            Assert.NotNull(result.RoundTripMs);
            var bad = sh.Run("Test-C2Connection -Uri $args[0] -ApiKey 'nope'", sim.Uri);
            bad.ThrowIfFailed();
            var failed = (C2ConnectionTestResult)bad.Output.Single().BaseObject;
            Assert.False(failed.Authenticated);
            Assert.Equal(401, failed.StatusCode);
            Assert.Equal("Invalid API key", failed.Reason);
            Assert.Equal(false, sh.Run("Test-C2Connection -Uri $args[0] -ApiKey 'nope' -Quiet", sim.Uri).Output.Single().BaseObject);
            Assert.Empty(sh.Run("Get-C2Session").Output);
            await sim.WaitForAsync(x => x.Connections.Count == 0, Sim.Wait);
        }
    }
}
