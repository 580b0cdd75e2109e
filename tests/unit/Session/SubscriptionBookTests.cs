using System.Linq;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>How answers are matched to the requests in flight (docs/protocol.md §6.2, §9.3), without a session.</summary>
    public class SubscriptionBookTests
    {
        private static readonly StreamKey S1 = new StreamKey(Channels.Signal, 1), S2 = new StreamKey(Channels.Signal, 2), P1 = new StreamKey(Channels.Positions, 1);
        private readonly SubscriptionBook _book = new SubscriptionBook(() => "t-");
        private readonly Link _link = new Link(0, holdsBudget: false), _other = new Link(1, holdsBudget: false);

        private PendingRequest Track(StreamKey key, string action, Link? link = null) =>
            _book.Track(new PendingRequest(_book.NewRequestId(), key, action, link ?? _link, RequestPurpose.User));

        [Fact]
        public void Request_ids_are_unique_and_short()
        {
            var ids = Enumerable.Range(0, 1000).Select(_ => _book.NewRequestId()).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.All(ids, id => Assert.True(id.Length <= ProtocolLimits.MaxRequestIdLength));
        }

        [Fact]
        public void An_answer_with_a_request_id_takes_that_request_whatever_its_connection()
        {
            var a = Track(S1, ClientMessages.Subscribe);
            var b = Track(S2, ClientMessages.Subscribe, _other);
            Assert.Same(b, _book.MatchAck(b.Id, _link, null, null));
            Assert.False(_book.IsPending(b));
            Assert.Null(_book.MatchAck(b.Id, _link, null, null));  // answered once
            Assert.Null(_book.MatchAck("t-999", _link, null, null)); // not ours: not guessed
            Assert.True(_book.IsPending(a));
        }

        [Fact]
        public void An_ack_without_request_id_is_matched_by_its_payload_else_by_age_on_its_connection()
        {
            var sub1 = Track(S1, ClientMessages.Subscribe);
            var sub2 = Track(S2, ClientMessages.Subscribe);
            var unsub1 = Track(P1, ClientMessages.Unsubscribe);
            Assert.Same(unsub1, _book.MatchAck(null, _link, P1, ClientMessages.Unsubscribe));
            Assert.Same(sub2, _book.MatchAck(null, _link, S2, null));
            Assert.Null(_book.MatchAck(null, _other, null, null));  // nothing in flight on that connection
            Assert.Same(sub1, _book.MatchAck(null, _link, null, null));
        }

        [Fact]
        public void An_error_without_request_id_takes_the_oldest_subscribe_on_its_connection_else_the_oldest_request()
        {
            var forbidden = new C2ServerError { Code = "FORBIDDEN", Field = "StrategyId" };
            var unsub = Track(P1, ClientMessages.Unsubscribe);
            var elsewhere = Track(S2, ClientMessages.Subscribe, _other);
            var sub = Track(S1, ClientMessages.Subscribe);
            Assert.Same(sub, _book.MatchError(null, _link, forbidden));      // subscribes are what servers refuse
            Assert.Same(unsub, _book.MatchError(null, _link, forbidden));
            Assert.Null(_book.MatchError(null, _link, forbidden));
            Assert.True(_book.IsPending(elsewhere));
        }

        [Fact]
        public void An_error_without_request_id_that_does_not_read_like_a_refusal_is_matched_to_nothing()
        {
            var sub = Track(S1, ClientMessages.Subscribe);
            Assert.Null(_book.MatchError(null, _link, new C2ServerError { Code = "X" }));
            Assert.Null(_book.MatchError(null, _link, new C2ServerError { Message = "something broke" }));
            Assert.True(_book.IsPending(sub));
            Assert.Same(sub, _book.MatchError(null, _link, new C2ServerError { Code = "SUBSCRIPTION_LIMIT" }));
        }

        [Fact]
        public void A_lost_connection_drops_its_requests_only()
        {
            var a = Track(S1, ClientMessages.Subscribe);
            var b = Track(S2, ClientMessages.Subscribe, _other);
            Assert.Equal(new[] { a }, _book.DropLink(_link));
            Assert.False(_book.IsPending(a));
            Assert.True(_book.IsPending(b));
        }

        [Theory]
        [InlineData("INVALID_PARAMETER", "ResumeFrom", true)]
        [InlineData("invalid_parameter", "resume_from", true)]
        [InlineData("INVALID_PARAMETER", "RESUMEFROM", true)]
        [InlineData("INVALID_PARAMETER", "StrategyId", false)]
        [InlineData("FORBIDDEN", "ResumeFrom", false)]
        [InlineData("INVALID_PARAMETER", null, false)]
        public void A_resume_from_refusal_is_INVALID_PARAMETER_about_ResumeFrom_in_any_spelling(string code, string? field, bool refusal)
        {
            Assert.Equal(refusal, ServerReplies.IsResumeFromRefusal(new C2ServerError { Code = code, Field = field }));
            var inArray = new C2ServerError { Errors = new[] { new C2ErrorDetail { Code = "INVALID_PARAMETER", Field = "Timestamp" }, new C2ErrorDetail { Code = code, Field = field } } };
            Assert.Equal(refusal, ServerReplies.IsResumeFromRefusal(inArray));
        }
    }
}
