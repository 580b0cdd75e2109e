using System;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The retention-hole rule of one stream (issue 24, 1b): a replay the client asked for with resume_from r is expected
    /// to start at r + 1 (at the witness, for a verified resume); a first message above that means the server no longer
    /// holds what lies between, and the range is reported with its exact bounds before the message is delivered.
    /// </summary>
    public class RetentionHoleTrackerTests
    {
        private static readonly StreamKey Signal = new StreamKey(Channels.Signal, 42);
        private static readonly DateTimeOffset T0 = Units.Start;

        private static ulong Id(long n) => 0x1000UL + (ulong)n;

        /// <summary>A stream at seq_id <paramref name="at"/> (delivered live) that asked for a replay and got its ack.</summary>
        private static StreamTracker Replaying(long at, bool verify = false)
        {
            var t = new StreamTracker(Signal);
            t.OnSubscribeSent(null);
            t.OnAck(T0);
            t.Commit(at, Id(at), T0.AddSeconds(at), skipped: false);
            t.OnSubscribeSent(t.PlanResumeFrom(verify));
            t.OnAck(T0);
            return t;
        }

        [Fact]
        public void A_replay_that_starts_above_resume_from_plus_1_is_a_hole_reported_once_with_its_lower_bound()
        {
            var t = Replaying(100);
            Assert.Equal(100, t.RequestedFrom);
            Assert.Equal(Verdict.DeliverAfterHole, t.OnMessage(301, Id(301), T0.AddHours(1)));
            Assert.Equal(100, t.HoleAfter);
            t.Commit(301, Id(301), T0.AddHours(1), skipped: false);
            Assert.Equal(Verdict.Deliver, t.OnMessage(302, Id(302), T0.AddHours(1)));   // only the first message tells
        }

        [Fact]
        public void A_replay_that_starts_right_after_resume_from_has_no_hole_and_live_jumps_are_not_holes()
        {
            var t = Replaying(100);
            Assert.Equal(Verdict.Deliver, t.OnMessage(101, Id(101), T0.AddHours(1)));
            t.Commit(101, Id(101), T0.AddHours(1), skipped: false);
            // A jump in live data proves nothing (seq_id contiguity is not documented, §8.1).
            Assert.Equal(Verdict.Deliver, t.OnMessage(150, Id(150), T0.AddHours(1)));
        }

        [Fact]
        public void A_verified_resume_whose_replay_starts_above_the_witness_is_a_hole_and_not_a_restart()
        {
            var t = Replaying(100, verify: true);
            Assert.Equal(99, t.RequestedFrom);
            Assert.Equal(100, t.WitnessSeq);
            Assert.Equal(Verdict.DeliverAfterHole, t.OnMessage(301, Id(301), T0.AddHours(1)));
            Assert.Equal(100, t.HoleAfter);                                          // the witness was delivered before

            var restarted = Replaying(100, verify: true);
            Assert.Equal(Verdict.Unconfirmed, restarted.OnMessage(100, Id(9100), T0.AddHours(1))); // the witness's seq_id, another id
        }

        [Fact]
        public void A_gap_before_any_message_of_the_replay_is_reported_keeps_the_replay_open_and_its_limit_gap_pages()
        {
            var t = Replaying(100);
            Assert.Equal(GapVerdict.Report, t.OnGap());                              // branch B: a gap at once
            Assert.True(t.ReplayOpen);
            t.OpenGap = new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, Signal.Channel, 42, 100, "not held");
            Assert.Equal(Verdict.Deliver, t.OnMessage(301, Id(301), T0.AddHours(1))); // the open gap covers the hole
            t.Commit(301, Id(301), T0.AddHours(1), skipped: false);
            Assert.Null(t.OpenGap);                                                  // closed by 301 (the caller sets its bounds)
            for (var s = 302; s <= 1300; s++) t.Commit(s, Id(s), T0.AddHours(1), skipped: false);
            Assert.Equal(GapVerdict.NextPage, t.OnGap());                            // the limit's gap: the next page
            Assert.Equal(1300, t.PlanResumeFrom());
        }

        [Fact]
        public void A_gap_at_once_on_a_verified_resume_is_reported_and_does_not_ask_the_same_page_again()
        {
            var t = Replaying(100, verify: true);
            Assert.Equal(GapVerdict.Report, t.OnGap());   // LastSeq 100 is above resume_from 99, but nothing of the replay came
        }

        [Fact]
        public void A_replay_from_the_start_reports_a_hole_only_when_its_first_message_is_newer_than_the_watch()
        {
            StreamTracker Watching()
            {
                var w = new StreamTracker(Signal);
                w.Start(null, 0, null, watchingSince: T0, explicitPoint: false);
                w.OnSubscribeSent(w.PlanResumeFrom());
                Assert.Equal(1, w.RequestedFrom);
                w.OnAck(T0);
                return w;
            }

            // Older than the watch: so is everything before it, nothing wanted is missing.
            Assert.Equal(Verdict.Skip, Watching().OnMessage(301, Id(301), T0.AddMinutes(-1)));
            var newer = Watching();
            Assert.Equal(Verdict.DeliverAfterHole, newer.OnMessage(301, Id(301), T0.AddMinutes(1)));
            Assert.Equal(1, newer.HoleAfter);
        }
    }
}
