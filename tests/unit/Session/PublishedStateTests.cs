using System;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>State other threads read is published as immutable snapshots: a reader holding one never sees it change.</summary>
    public class PublishedStateTests
    {
        private static readonly StreamKey Key = new StreamKey(Channels.Signal, 42);

        [Fact]
        public void Each_change_of_a_subscription_publishes_a_new_snapshot_and_an_old_one_keeps_its_values()
        {
            var sub = new C2Subscription(null!, Key);
            var initial = sub.Snapshot;
            sub.State = C2SubscriptionState.Active;
            var active = sub.Snapshot;
            Assert.NotSame(initial, active);
            Assert.Equal(C2SubscriptionState.Pending, initial.Fields.State);
            Assert.Null(sub.LastSeqId);
            sub.SetPosition(5, stillUnconfirmed: true);
            var positioned = sub.Snapshot;
            Assert.False(active.Fields.StillUnconfirmed);               // the reader's copy did not move
            Assert.True(positioned.Fields.StillUnconfirmed);
            Assert.Equal(C2SubscriptionState.Active, positioned.Fields.State); // one change keeps the others
            Assert.Equal(5, sub.LastSeqId);
            Assert.True(sub.Unverified);
            sub.SetPosition(6, stillUnconfirmed: true);                 // only the position moved: it is one atomic value,
            Assert.Same(positioned, sub.Snapshot);                      // no snapshot per message
            Assert.Equal(6, sub.LastSeqId);
            sub.SetPosition(null, stillUnconfirmed: true);              // a stream re-based before its first message again
            Assert.Null(sub.LastSeqId);
            sub.SetPosition(long.MinValue, stillUnconfirmed: false);    // any long is a position, even a hostile server's
            Assert.Equal(long.MinValue, sub.LastSeqId);
            sub.SetPosition(0, stillUnconfirmed: false);
            Assert.Equal(0, sub.LastSeqId);
            sub.AlreadyReported = true;
            Assert.False(sub.Unverified);                                // both flags read from one snapshot
        }

        [Fact]
        public void The_session_facts_change_one_at_a_time_and_keep_the_rest()
        {
            var at = new DateTimeOffset(2026, 12, 4, 6, 0, 0, TimeSpan.Zero);
            var facts = SessionFacts.Initial.WithConnectedAt(at).WithServerVersion(4);
            var later = facts.WithLastHeartbeatAt(at.AddSeconds(30)).WithLastError("lost");
            Assert.Null(facts.LastHeartbeatAt);
            Assert.Equal(at, later.ConnectedAt);
            Assert.Equal(4, later.ServerVersion);
            Assert.Equal(at.AddSeconds(30), later.LastHeartbeatAt);
            Assert.Equal("lost", later.LastError);
        }
    }
}
