using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests
{
    /// <summary>One session used from four runspaces at once while the server drops the connection every few hundred messages.</summary>
    public class ConcurrencyTests
    {
        private readonly ITestOutputHelper _out;
        public ConcurrencyTests(ITestOutputHelper output) { _out = output; }

        [Fact]
        public async Task Four_runspaces_add_remove_receive_and_disconnect_one_session_through_drops_without_loss_or_deadlock()
        {
            const long A = 81, B = 82, Churned = 83, Other = 84;
            const int PerStable = 1500;
            using var watch = new UnhandledWatch();
            await using var sim = await Sim.StartFastAsync();
            using var session = await Sim.OpenAsync(sim);
            foreach (var id in new[] { A, B, Other }) await Sim.SubscribeAsync(session, id);
            // Each stable stream delivers its first signal before the storm: a stream that has delivered nothing has no
            // seq_id to resume from, and the protocol cannot replay seq_id 1 (that case has its own tests).
            sim.PublishSignal(A);
            sim.PublishSignal(B);
            var firsts = new[] { await Sim.NextAsync(session), await Sim.NextAsync(session) };
            Assert.Equal(new[] { A, B }, firsts.Select(m => m.StrategyId!.Value).OrderBy(x => x));

            using var receiver = new PsShell();   // reads the stable streams
            using var churner = new PsShell();    // subscribes and unsubscribes another strategy over and over
            using var other = new PsShell();      // reads a third stream until the session closes
            using var closer = new PsShell();     // disconnects the session at the end
            foreach (var sh in new[] { receiver, churner, other, closer }) sh.Runspace.SessionStateProxy.SetVariable("s", session);

            using var receive = receiver.Start("Receive-C2Signal -Session $s -StrategyId " + A + "," + B + " -Count " + (2 * (PerStable - 1)) + " -TimeoutSec 120 | ForEach-Object { '' + $_.StrategyId + ':' + $_.SeqId }");
            using var churn = churner.Start("$n = 0; while ($s.State -notin 'Disconnected', 'Failed') { Add-C2Subscription -Session $s -StrategyId " + Churned + " -TimeoutSec 5 -ErrorAction SilentlyContinue | Out-Null; " +
                                            "Remove-C2Subscription -Session $s -StrategyId " + Churned + " -TimeoutSec 5 -ErrorAction SilentlyContinue; $n++ }; $n");
            using var read = other.Start("$c = 0; Receive-C2Signal -Session $s -StrategyId " + Other + " -TimeoutSec 120 | ForEach-Object { $c++ }; $c");

            var published = 0;
            var drops = 0;
            for (var i = 0; i < PerStable; i++)
            {
                if (i > 0) sim.PublishSignal(A);
                if (i > 0) sim.PublishSignal(B);
                sim.PublishSignal(Churned);
                sim.PublishSignal(Other);
                published += 4;
                if (published % 400 == 0) { sim.DropAllConnections(); drops++; }
            }
            Assert.True(await Task.Run(() => receive.Wait(TimeSpan.FromSeconds(120))), "the receiver hung: " + Describe(session));
            var got = receive.End();
            Assert.Null(got.Terminating);
            Assert.Empty(got.Errors);
            foreach (var id in new[] { A, B })
            {
                var seqs = got.Output.Select(o => o.ToString()!.Split(':')).Where(p => p[0] == id.ToString()).Select(p => long.Parse(p[1])).ToList();
                Assert.Equal(Enumerable.Range(2, PerStable - 1).Select(x => (long)x), seqs);
            }

            var bye = closer.Run("Disconnect-C2Socket -Session $s; $s.State");
            Assert.Empty(bye.AllErrors);
            Assert.Equal("Disconnected", bye.Output.Single().ToString());
            Assert.True(await Task.Run(() => read.Wait(TimeSpan.FromSeconds(30))), "Receive-C2Signal did not end with the session");
            Assert.True(await Task.Run(() => churn.Wait(TimeSpan.FromSeconds(30))), "the churning runspace hung: " + churn.State + " " +
                string.Join(" | ", churn.PowerShell.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e).TakeLast(5)) + " / " + Describe(session));
            var churned = churn.End();
            Assert.Null(churned.Terminating);
            var rounds = (int)churned.Output.Last().BaseObject;
            var otherCount = (int)read.End().Output.Single().BaseObject;
            _out.WriteLine($"drops {drops}, reconnects {session.Reconnects}, churn rounds {rounds}, other stream {otherCount}/{PerStable}, duplicates {session.DuplicatesDropped}");
            Assert.True(rounds > 0);
            Assert.True(session.Reconnects >= 1);
            Assert.Empty(watch.Seen);
        }

        private static string Describe(C2Session s) =>
            s.State + ", reconnects " + s.Reconnects + ", inbox " + s.InboxCount + ": " + string.Join(" | ", s.DrainDiagnostics().Select(d => d.ToString()).TakeLast(15));
    }
}
