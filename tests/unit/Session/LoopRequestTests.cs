using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>Requests on the fake clock: timeouts, the resubscribe plan after a reconnect, error correlation.</summary>
    public class LoopRequestTests
    {
        private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

        private static void AssertNothingMoreSent(ServerConnection conn)
        {
            Assert.False(conn.TryTakeClientMessage(out var extra), "unexpected client message: " + extra);
        }

        private static async Task DeliverAsync(Harness h, C2Subscription sub, long from, long to)
        {
            for (var seq = from; seq <= to; seq++) h.Conn.SendSignal(sub.StrategyId, seq);
            await h.UntilAsync(() => sub.LastSeqId == to, "seq_id " + to + " of " + sub + " is queued");
        }

        [Fact]
        public async Task A_subscribe_never_acknowledged_is_sent_once_more_then_fails_with_TimeoutException()
        {
            await using var h = await Harness.OpenAsync(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
            var task = h.Session.SubscribeAsync(Channels.Signal, 42, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var first = await h.SentAsync();
            Assert.Equal("subscribe", first.Action);

            h.Clock.Step(TimeSpan.FromSeconds(10) - Ms);
            await h.SettleAsync();
            AssertNothingMoreSent(h.Conn);

            h.Clock.Step(Ms);
            var second = await h.SentAsync();
            Assert.Equal("subscribe", second.Action);
            Assert.Equal(42, second.StrategyId);
            Assert.NotEqual(first.RequestId, second.RequestId);
            Assert.False(task.IsCompleted);

            h.Clock.Step(TimeSpan.FromSeconds(10));
            var ex = await Assert.ThrowsAsync<TimeoutException>(() => task.WaitAsync(Units.Wait));
            Assert.Contains("2 attempts", ex.Message);
            var takeBack = await h.SentAsync();  // in case the server takes it after all
            Assert.Equal("unsubscribe", takeBack.Action);
            await h.SettleAsync();
            AssertNothingMoreSent(h.Conn);
            Assert.Empty(h.Session.Subscriptions);
        }

        [Fact]
        public async Task A_resubscribe_never_acknowledged_after_a_reconnect_reaches_the_reader_as_a_ResubscribeFailed_gap()
        {
            await using var h = await Harness.OpenAsync(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
            var sub = await h.SubscribeAckedAsync(42);
            await DeliverAsync(h, sub, 1, 3);

            var conn = await h.DropAndReconnectAsync();
            var resubscribe = await h.SentAsync(conn);
            Assert.Equal("2", resubscribe.ResumeFrom.GetString());   // one below the last: seq_id 3 comes back as the witness
            h.Clock.Step(TimeSpan.FromSeconds(10));
            var again = await h.SentAsync(conn);
            Assert.Equal("2", again.ResumeFrom.GetString());
            h.Clock.Step(TimeSpan.FromSeconds(10));
            await h.UntilAsync(() => sub.State == C2SubscriptionState.Failed, "the resubscribe is given up");

            for (var seq = 1; seq <= 3; seq++) Assert.Equal(seq, (await Sim.NextItemAsync(h.Session, Units.Wait)).Message?.SeqId);
            var gap = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.NotNull(gap);
            Assert.Equal(C2DeliveryProblem.ResubscribeFailed, gap!.Problem);
            Assert.Equal(42, gap.StrategyId);
            Assert.Equal(3, gap.AfterSeqId);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "the connection is fine; only the stream is lost");
        }

        [Fact]
        public async Task An_unsubscribe_without_reply_completes_after_its_timeout()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            var task = h.Session.UnsubscribeAsync(sub, TimeSpan.FromSeconds(5), CancellationToken.None);
            var request = await h.SentAsync();
            Assert.Equal("unsubscribe", request.Action);
            Assert.Equal(42, request.StrategyId);

            h.Clock.Step(TimeSpan.FromSeconds(5) - Ms);
            await h.SettleAsync();
            Assert.False(task.IsCompleted, "the unsubscribe completed before its timeout");
            h.Clock.Step(Ms);
            var result = await task.WaitAsync(Units.Wait);
            Assert.False(result.Answered);
            Assert.Equal(C2SubscriptionState.Removed, sub.State);
            Assert.Empty(h.Session.Subscriptions);
        }

        [Fact]
        public async Task An_answered_unsubscribe_completes_at_once()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            var task = h.Session.UnsubscribeAsync(sub, TimeSpan.FromSeconds(5), CancellationToken.None);
            h.Conn.SendAck(await h.SentAsync());
            Assert.True((await task.WaitAsync(Units.Wait)).Answered);
        }

        [Fact]
        public async Task Resubscribe_after_reconnect_resumes_from_one_below_the_last_queued_seq_id_as_a_JSON_string_by_default()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            var positions = await h.SubscribeAckedAsync(42, Channels.Positions);
            await DeliverAsync(h, sub, 1, 5);

            var conn = await h.DropAndReconnectAsync();
            var requests = new[] { await h.SentAsync(conn), await h.SentAsync(conn) };
            var signal = Assert.Single(requests, r => r.Payload.GetProperty("channel").GetString() == Channels.Signal);
            Assert.Equal(JsonValueKind.String, signal.ResumeFrom.ValueKind);
            Assert.Equal("4", signal.ResumeFrom.GetString());              // seq_id 5 again: the witness of the position
            var pos = Assert.Single(requests, r => r.Payload.GetProperty("channel").GetString() == Channels.Positions);
            Assert.Equal(JsonValueKind.Undefined, pos.ResumeFrom.ValueKind); // positions are never replayed
            Assert.Equal(C2SessionState.Reconnecting, h.Session.State);    // until the resubscribes are answered
            foreach (var r in requests) conn.SendAck(r);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "connected once both are acknowledged");
            Assert.Equal(C2SubscriptionState.Active, positions.State);
        }

        [Fact]
        public async Task A_ResumeFrom_refusal_makes_the_session_resend_at_once_as_a_number_and_keep_numbers()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            await DeliverAsync(h, sub, 1, 5);
            Assert.Equal(ResumeFromWireType.String, h.Session.ResumeFromFormat);

            var conn = await h.DropAndReconnectAsync();
            var asString = await h.SentAsync(conn);
            Assert.Equal("4", asString.ResumeFrom.GetString());
            conn.SendError("INVALID_PARAMETER", "ResumeFrom", "resume_from must be a number"); // no request_id: matched to the resubscribe
            var asNumber = await h.SentAsync(conn);                                  // no time passes: at once
            Assert.Equal(JsonValueKind.Number, asNumber.ResumeFrom.ValueKind);
            Assert.Equal(4, asNumber.ResumeFrom.GetInt64());
            Assert.Equal(ResumeFromWireType.Number, h.Session.ResumeFromFormat);
            conn.SendAck(asNumber);
            await h.UntilAsync(() => sub.State == C2SubscriptionState.Active, "the resubscribe is acknowledged");
            conn.SendSignal(42, 5);                                                 // the replay: the witness first
            await DeliverAsync(h, sub, 6, 6);

            var third = await h.DropAndReconnectAsync();
            var next = await h.SentAsync(third);
            Assert.Equal(JsonValueKind.Number, next.ResumeFrom.ValueKind);
            Assert.Equal(5, next.ResumeFrom.GetInt64());
            third.SendAck(next);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "connected");
            Assert.Equal(0, h.CountDiagnostics(C2DiagnosticCode.ResubscribeFailed));
        }

        [Fact]
        public async Task With_ResumeFromTypeFixed_a_ResumeFrom_refusal_is_not_retried_in_the_other_type()
        {
            await using var h = await Harness.OpenAsync(o => { o.ResumeFromType = ResumeFromWireType.String; o.ResumeFromTypeFixed = true; });
            var sub = await h.SubscribeAckedAsync(42);
            await DeliverAsync(h, sub, 1, 2);

            var conn = await h.DropAndReconnectAsync();
            var request = await h.SentAsync(conn);
            conn.SendError("INVALID_PARAMETER", "ResumeFrom", "resume_from must be a number", request.RequestId);
            await h.UntilAsync(() => sub.State == C2SubscriptionState.Failed, "the refusal fails the stream");
            await h.SettleAsync();
            AssertNothingMoreSent(conn);
            Assert.Equal(ResumeFromWireType.String, h.Session.ResumeFromFormat);
            for (var seq = 1; seq <= 2; seq++) Assert.Equal(seq, (await Sim.NextItemAsync(h.Session, Units.Wait)).Message?.SeqId);
            var gap = (await Sim.NextItemAsync(h.Session, Units.Wait)).Gap;
            Assert.Equal(C2DeliveryProblem.ResubscribeFailed, gap?.Problem);
            Assert.Contains("INVALID_PARAMETER", gap!.ServerMessage);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)] // a server that echoes request_id nowhere
        public async Task An_error_without_request_id_fails_the_oldest_pending_subscribe_only(bool acksEchoRequestId)
        {
            await using var h = await Harness.OpenAsync();
            var a = h.Session.SubscribeAsync(Channels.Signal, 101, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var b = h.Session.SubscribeAsync(Channels.Signal, 102, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var c = h.Session.SubscribeAsync(Channels.Signal, 103, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var requests = new[] { await h.SentAsync(), await h.SentAsync(), await h.SentAsync() };
            Assert.Equal(new long?[] { 101, 102, 103 }, requests.Select(r => r.StrategyId));

            h.Conn.SendAck(acksEchoRequestId ? requests[0].RequestId : null);
            h.Conn.SendError("FORBIDDEN", "StrategyId", "Not authorized to subscribe to Strategy");
            h.Conn.SendAck(acksEchoRequestId ? requests[2].RequestId : null);

            Assert.Equal(C2SubscriptionState.Active, (await a.WaitAsync(Units.Wait)).State);
            Assert.Equal(C2SubscriptionState.Active, (await c.WaitAsync(Units.Wait)).State);
            var refused = await Assert.ThrowsAsync<C2ServerErrorException>(() => b.WaitAsync(Units.Wait));
            Assert.Equal("FORBIDDEN", refused.Error.Code);
            Assert.Contains("102", refused.Message);
            Assert.Equal(new long[] { 101, 103 }, h.Session.Subscriptions.Select(s => s.StrategyId));
        }
        [Fact]
        public async Task A_subscribe_pending_when_the_connection_drops_is_sent_again_on_the_new_one_and_completes()
        {
            await using var h = await Harness.OpenAsync();
            var task = h.Session.SubscribeAsync(Channels.Signal, 42, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var lost = await h.SentAsync();
            Assert.Equal("subscribe", lost.Action);

            var conn = await h.DropAndReconnectAsync();
            var again = await h.SentAsync(conn);
            Assert.Equal("subscribe", again.Action);
            Assert.Equal(42, again.StrategyId);
            Assert.False(task.IsCompleted);
            conn.SendAck(lost.RequestId);                  // a late ack of the request the old connection carried: not this one
            await h.SettleAsync();
            Assert.False(task.IsCompleted);
            conn.SendAck(again);
            Assert.Equal(C2SubscriptionState.Active, (await task.WaitAsync(Units.Wait)).State);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "connected");
        }

        [Fact]
        public async Task A_user_timeout_shorter_than_the_request_timeouts_fails_the_subscribe_on_the_users_clock()
        {
            await using var h = await Harness.OpenAsync(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
            var task = h.Session.SubscribeAsync(Channels.Signal, 42, null, TimeSpan.FromSeconds(15), CancellationToken.None);
            await h.SentAsync();
            h.Clock.Step(TimeSpan.FromSeconds(10));
            await h.SentAsync();                  // the resend
            h.Clock.Step(TimeSpan.FromSeconds(5) - Ms);
            await h.SettleAsync();
            Assert.False(task.IsCompleted);
            h.Clock.Step(Ms);
            var ex = await Assert.ThrowsAsync<TimeoutException>(() => task.WaitAsync(Units.Wait));
            Assert.Contains("15 s", ex.Message);
            await h.SettleAsync();                      // the stream is dropped after the waiter is failed
            Assert.Empty(h.Session.Subscriptions);
        }
        [Fact]
        public async Task Removing_a_subscription_whose_subscribe_is_unanswered_takes_it_back_from_the_server()
        {
            await using var h = await Harness.OpenAsync();
            var adding = h.Session.SubscribeAsync(Channels.Signal, 42, null, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var subscribe = await h.SentAsync();
            await h.UntilAsync(() => h.Session.Subscriptions.Count == 1, "the subscription is listed");
            var sub = h.Session.Subscriptions[0];

            var result = await h.Session.UnsubscribeAsync(sub, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Units.Wait);
            Assert.False(result.Answered);                 // nobody waits for the server's word on a subscribe it never confirmed
            await Assert.ThrowsAsync<OperationCanceledException>(() => adding.WaitAsync(Units.Wait));
            var takeBack = await h.SentAsync();
            Assert.Equal("unsubscribe", takeBack.Action);   // the server may still take the subscribe: undo it there too
            Assert.Equal(42, takeBack.StrategyId);

            h.Conn.SendAck(subscribe);                     // late answers change nothing
            h.Conn.SendAck(takeBack);
            h.Conn.SendSignal(42, 1);
            await h.UntilAsync(() => h.Session.LateMessagesDropped == 1, "a late signal is dropped");
            Assert.Empty(h.Session.Subscriptions);
            Assert.Equal(0, h.Session.InboxCount);
        }

        [Fact]
        public async Task A_subscribe_the_user_stopped_waiting_for_is_taken_back_from_the_server()
        {
            await using var h = await Harness.OpenAsync(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
            var task = h.Session.SubscribeAsync(Channels.Signal, 42, null, TimeSpan.FromSeconds(5), CancellationToken.None);
            await h.SentAsync();
            h.Clock.Step(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAsync<TimeoutException>(() => task.WaitAsync(Units.Wait));
            var takeBack = await h.SentAsync();
            Assert.Equal("unsubscribe", takeBack.Action);
            Assert.Equal(42, takeBack.StrategyId);
        }
    }
}
