using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Hostile
{
    public class MessageSizeTests
    {
        [Fact]
        public async Task Oversized_message_is_refused_unread_reported_and_the_connection_recycled_then_signals_flow()
        {
            await using var sim = await Sim.StartFastAsync(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.HeartbeatGrace = TimeSpan.FromSeconds(20); });
            using var s = await Sim.OpenAsync(sim, o => o.MaxMessageBytes = 64 * 1024);
            await Sim.SubscribeAsync(s, 77);
            var first = sim.PublishSignal(77, new { strategy_id = 77, n = 1 });
            Assert.Equal(first, (await Sim.NextAsync(s)).SeqId);

            // 32 MB in one message. The simulator's copy is made inside PublishRawToAll, before the measurement.
            var big = "{\"msg_type\":\"strategy.signal\",\"payload\":{\"strategy_id\":77,\"x\":\"" + new string('x', 32 * 1024 * 1024) + "\"}}";
            var conn = (C2WebSocket.Transport.WebSocketTransport)s.Loop.ConnectionOf(0)!;
            sim.PublishRawToAll(big);
            big = null;
            var seen = new System.Collections.Generic.List<C2Diagnostic>();
            await Sim.UntilAsync(s, () => { seen.AddRange(s.DrainDiagnostics()); return seen.Any(d => d.Code == C2DiagnosticCode.MessageTooLarge) && s.Reconnects >= 1 && s.State == C2SessionState.Connected; },
                "the oversized message refused and the connection recycled");
            // Memory stayed bounded: the refused connection's receive buffer never grew past the cap.
            Assert.True(conn.BufferLength <= 64 * 1024, "receive buffer grew to " + conn.BufferLength);

            var err = seen.First(d => d.Code == C2DiagnosticCode.MessageTooLarge);
            Assert.Equal(C2DiagnosticLevel.Error, err.Level);
            Assert.Contains("65,536", err.Message);
            Assert.Contains("-MaxMessageSizeKB", err.Message);
            Assert.True(s.MalformedMessages >= 1);

            // Good signals arrive after the reconnect (resubscribed with resume_from).
            var next = sim.PublishSignal(77, new { strategy_id = 77, n = 2 });
            var m = await Sim.NextAsync(s);
            Assert.Equal(next, m.SeqId);
            Assert.Equal(2L, m.Fields["n"]);
        }

        [Fact]
        public async Task MaxMessageSizeKB_reaches_the_session_and_the_error_reaches_the_pipeline()
        {
            await using var sim = await TransportSafetyTests.StartSimAsync(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.HeartbeatGrace = TimeSpan.FromSeconds(20); });
            using var sh = new PsShell();
            var r = sh.Run("$global:s = Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -MaxMessageSizeKB 1 -ReconnectIntervalSec 0.05; Add-C2Subscription -StrategyId 77 | Out-Null",
                sim.Uri, TransportSafetyTests.Key);
            r.ThrowIfFailed();
            sim.PublishRawToAll("{\"msg_type\":\"strategy.signal\",\"payload\":{\"strategy_id\":77,\"x\":\"" + new string('x', 4096) + "\"}}");
            var session = (C2Session)sh.Run("$s").Output.Single().BaseObject;
            await Sim.UntilAsync(session, () => session.Reconnects >= 1 && session.State == C2SessionState.Connected, "reconnect");
            var seq = sim.PublishSignal(77, new { strategy_id = 77 });
            r = sh.Run("Receive-C2Signal -Count 1 -TimeoutSec 10 | ForEach-Object SeqId; Disconnect-C2Socket -Session $s");
            Assert.Contains(r.Errors, e => e.FullyQualifiedErrorId.StartsWith("C2MessageTooLarge,"));
            Assert.Equal(seq, (long)r.Output.Single().BaseObject);
        }
    }
}
