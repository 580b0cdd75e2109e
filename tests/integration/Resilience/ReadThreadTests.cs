using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// Issue 26 (idle): on PowerShell 7 the receive pump reads on a thread of its own, blocking (a quiet connection costs
    /// one thread wake per message); Windows PowerShell 5.1 reads on the thread pool (ClientWebSocket's own connection).
    /// Both ways against the real simulator: what was sent after a quiet spell arrives without waiting for the next
    /// message, heartbeats are answered, a burst arrives once and in order, a dropped connection resumes, and closing the
    /// session ends a read that is blocked.
    /// </summary>
    public class ReadThreadTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

        [Fact]
        public async Task On_this_runtime_the_real_transport_reads_on_the_pumps_own_thread()
        {
            Assert.True(BlockingConnector.IsAvailable, "PowerShell 7.4+ runs on .NET 8+: ClientWebSocket takes an invoker and SocketsHttpHandler a ConnectCallback");
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim);
            Assert.True(((WebSocketTransport)s.Loop.ConnectionOf(0)!).ReadsBlock);
            using var pool = await Sim.OpenAsync(sim, o => o.Transport = WebSocketTransportFactory.ThreadPoolReads);
            Assert.False(((WebSocketTransport)pool.Loop.ConnectionOf(0)!).ReadsBlock);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task Signals_after_a_quiet_spell_a_burst_and_a_dropped_connection_arrive_once_in_order(bool blockingReads)
        {
            await using var sim = await Sim.StartFastAsync();
            using var s = await Sim.OpenAsync(sim, o =>
                o.Transport = blockingReads ? WebSocketTransportFactory.Instance : WebSocketTransportFactory.ThreadPoolReads);
            await Sim.SubscribeAsync(s, 91);

            // Quiet but for heartbeats (every 100 ms): each answered; the read waits in between.
            var acks = s.HeartbeatAcksSent;
            await Sim.UntilAsync(s, () => s.HeartbeatAcksSent >= acks + 5, "five heartbeats answered");
            // One signal alone after the quiet spell: it arrives without a next message to push it along.
            var first = sim.PublishSignal(91, new { strategy_id = 91 });
            Assert.Equal(first, (await Sim.NextAsync(s)).SeqId);

            // A burst the socket buffers: batches, in order, once.
            sim.PublishSignals(91, 3_000);
            for (var expected = first + 1; expected <= first + 3_000; expected++)
            {
                var m = await Sim.NextAsync(s);
                Assert.Equal(expected, m.SeqId);
                s.MarkProcessed(m);
            }

            // The connection drops under the blocked read; the session reconnects, resumes, and reads the same way.
            sim.DropAllConnections();
            await Sim.UntilAsync(s, () => s.Reconnects >= 1 && s.State == C2SessionState.Connected, "the reconnect");
            Assert.Equal(blockingReads, ((WebSocketTransport)s.Loop.ConnectionOf(0)!).ReadsBlock);
            var after = sim.PublishSignal(91, new { strategy_id = 91 });
            Assert.Equal(first + 3_001, after);
            Assert.Equal(after, (await Sim.NextAsync(s)).SeqId);
            Assert.DoesNotContain(s.DrainDiagnostics(), d => d.Level == C2DiagnosticLevel.Error);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task A_read_blocked_on_a_silent_connection_ends_with_the_close_handshake_or_when_the_socket_is_disposed(bool blockingReads)
        {
            // Heartbeats far apart: after connection.connected the pump sits in a read that waits for the network.
            await using var sim = await Sim.StartFastAsync(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(30); o.HeartbeatGrace = TimeSpan.FromSeconds(30); });
            var factory = blockingReads ? WebSocketTransportFactory.Instance : WebSocketTransportFactory.ThreadPoolReads;
            foreach (var closeNormally in new[] { true, false })
            {
                var conn = await factory.ConnectAsync(new ConnectSettings { Uri = sim.Uri, ApiKey = Sim.Secure(sim.DemoApiKey) }, CancellationToken.None);
                Assert.Equal(blockingReads, conn.ReadsBlock);
                var first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var ended = new TaskCompletionSource<ConnectionEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
                var pump = ReceivePump.RunAsync(new Link(0, false), 1, conn, (_, _) => { first.TrySetResult(true); return new ValueTask<bool>(true); },
                    i => ended.TrySetResult((ConnectionEnd)i.Arg!), () => { });
                await first.Task.WaitAsync(Limit); // connection.connected arrived; nothing else will

                if (closeNormally)
                {
                    // The client's close frame goes out; the server's answer is read by the blocked read, which ends.
                    await conn.CloseAsync(TimeSpan.FromSeconds(10));
                    var end = await ended.Task.WaitAsync(Limit);
                    Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, end.CloseStatus);
                }
                else
                {
                    // A presumed-dead connection is aborted: disposing the socket ends the blocked read at once.
                    conn.Dispose();
                    var end = await ended.Task.WaitAsync(Limit);
                    Assert.Null(end.CloseStatus);
                }
                await pump.WaitAsync(Limit);
                conn.Dispose();
            }
        }
    }
}
