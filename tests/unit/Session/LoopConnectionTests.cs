using System;
using System.Globalization;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The connection's life on the fake clock: the handshake, heartbeats and the server clock.</summary>
    public class LoopConnectionTests
    {
        private static DateTimeOffset AckTime(ClientMessage ack)
        {
            Assert.Equal("heartbeat.ack", ack.Type);
            Assert.NotNull(ack.Timestamp);
            return DateTimeOffset.Parse(ack.Timestamp!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        }

        [Fact]
        public async Task Every_heartbeat_is_answered_with_an_ack_stamped_with_the_session_clock()
        {
            await using var h = await Harness.OpenAsync();
            for (var i = 1; i <= 5; i++)
            {
                h.Clock.Step(TimeSpan.FromSeconds(30));
                h.Conn.SendHeartbeat();
                var ack = await h.SentAsync();
                Assert.Equal(h.Clock.GetUtcNow(), AckTime(ack)); // whole seconds on a clock that moves in whole seconds
            }
            await h.SettleAsync();                      // the counters move after the send
            Assert.Equal(5, h.Session.HeartbeatsReceived);
            Assert.Equal(5, h.Session.HeartbeatAcksSent);
            Assert.Equal(h.Clock.GetUtcNow(), h.Session.LastHeartbeatAt);
            Assert.False(h.Conn.TryTakeClientMessage(out var extra), "one ack per heartbeat, got also: " + extra);
        }

        [Fact]
        public async Task A_skewed_local_clock_is_corrected_at_once_and_one_junk_timestamp_does_not_move_it()
        {
            await using var h = Harness.Create();
            h.Server.SendsConnected = false;
            var open = h.Session.OpenAsync(CancellationToken.None);
            var conn = await h.Server.NextConnectionAsync();
            var local = h.Clock.GetUtcNow();
            var ahead = TimeSpan.FromMinutes(5);

            // The server's first timestamp is 5 minutes ahead of the local clock: taken at once.
            conn.SendConnected(local + ahead);
            await open.WaitAsync(Units.Wait);
            Assert.Equal(ahead, h.Session.ClockOffset);
            conn.SendHeartbeat(local + ahead);
            Assert.Equal(local + ahead, AckTime(await h.SentAsync(conn)));

            // One junk timestamp (3 hours off) does not move it.
            conn.SendHeartbeat(local - TimeSpan.FromHours(3));
            Assert.Equal(local + ahead, AckTime(await h.SentAsync(conn)));
            Assert.Equal(ahead, h.Session.ClockOffset);

            // The server now agrees with the local clock: the first such timestamp is a candidate, the second moves it.
            conn.SendHeartbeat(local);
            Assert.Equal(local + ahead, AckTime(await h.SentAsync(conn)));
            Assert.Equal(ahead, h.Session.ClockOffset);
            conn.SendHeartbeat(local);
            Assert.Equal(local, AckTime(await h.SentAsync(conn)));
            Assert.Equal(TimeSpan.Zero, h.Session.ClockOffset);
        }

        [Fact]
        public async Task Subscriptions_carry_the_corrected_timestamp_too()
        {
            await using var h = Harness.Create();
            h.Server.SendsConnected = false;
            var open = h.Session.OpenAsync(CancellationToken.None);
            var conn = await h.Server.NextConnectionAsync();
            var local = h.Clock.GetUtcNow();
            conn.SendConnected(local - TimeSpan.FromMinutes(2));
            await open.WaitAsync(Units.Wait);
            var sub = h.Session.SubscribeAsync("strategy.signal", 42, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var request = await h.SentAsync(conn);
            Assert.Equal("subscription.request", request.Type);
            Assert.Equal(local - TimeSpan.FromMinutes(2), DateTimeOffset.Parse(request.Timestamp!, CultureInfo.InvariantCulture));
            conn.SendAck(request);
            await sub.WaitAsync(Units.Wait);
        }

        [Fact]
        public async Task No_connection_connected_within_ConnectTimeout_fails_OpenAsync_with_ConnectTimeout()
        {
            await using var h = Harness.Create(o => o.ConnectTimeout = TimeSpan.FromSeconds(10));
            h.Server.SendsConnected = false;
            var open = h.Session.OpenAsync(CancellationToken.None);
            var conn = await h.Server.NextConnectionAsync();
            await conn.Reading;        // the session took the connection and armed its handshake deadline
            await h.SettleAsync();

            h.Clock.Step(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
            await h.SettleAsync();
            Assert.False(open.IsCompleted, "OpenAsync ended before ConnectTimeout");
            Assert.False(conn.IsAborted);

            h.Clock.Step(TimeSpan.FromMilliseconds(1));
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => open.WaitAsync(Units.Wait));
            Assert.Equal(C2ConnectFailure.ConnectTimeout, ex.Failure);
            Assert.Contains("connection.connected", ex.Message);
            Assert.True(conn.IsAborted);
            Assert.Equal(C2SessionState.Failed, h.Session.State);
            Assert.Equal(1, h.Server.Connects);
        }

        [Fact]
        public async Task A_close_with_1008_before_connection_connected_is_ConnectionRejected()
        {
            await using var h = Harness.Create();
            h.Server.SendsConnected = false;
            var open = h.Session.OpenAsync(CancellationToken.None);
            var conn = await h.Server.NextConnectionAsync();
            conn.Close(WebSocketCloseStatus.PolicyViolation, "connection limit");
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => open.WaitAsync(Units.Wait));
            Assert.Equal(C2ConnectFailure.ConnectionRejected, ex.Failure);
            Assert.True(ex.IsThrottle);
            Assert.Equal("connection limit", ex.ServerReason);
            Assert.Equal(C2SessionState.Failed, h.Session.State);
        }

        [Fact]
        public async Task A_refused_first_connect_fails_OpenAsync_with_the_transport_failure_and_is_not_retried()
        {
            await using var h = Harness.Create();
            h.Server.RefuseNext(C2ConnectFailure.RateLimited, TimeSpan.FromSeconds(30));
            var ex = await Assert.ThrowsAsync<C2ConnectException>(() => h.Session.OpenAsync(CancellationToken.None).WaitAsync(Units.Wait));
            Assert.Equal(C2ConnectFailure.RateLimited, ex.Failure);
            Assert.Equal(TimeSpan.FromSeconds(30), ex.RetryAfter);
            h.Clock.Step(TimeSpan.FromMinutes(5));
            await h.SettleAsync();
            Assert.Equal(1, h.Server.Connects);
            Assert.Equal(C2SessionState.Failed, h.Session.State);
        }
        [Fact]
        public async Task Heartbeats_are_answered_while_nobody_reads_a_full_inbox()
        {
            await using var h = await Harness.OpenAsync(o => o.InboxCapacity = 2);
            var sub = await h.SubscribeAckedAsync(42);
            var positions = await h.SubscribeAckedAsync(42, Protocol.Channels.Positions);
            for (var seq = 1; seq <= 50; seq++) h.Conn.SendSignal(42, seq);
            h.Conn.SendHeartbeat();
            Assert.Equal("heartbeat.ack", (await h.SentAsync()).Type);
            Assert.Equal(2, h.Session.InboxCount);
            Assert.Equal(2, sub.LastSeqId);                // the rest waits on the server (fetched again once read)
            Assert.Equal(C2SubscriptionState.Active, positions.State);
        }
    }
}
