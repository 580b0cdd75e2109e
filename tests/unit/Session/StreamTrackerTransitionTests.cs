using System;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The stream tracker's transition table (src/C2WebSocket/Session/StreamTracker.cs header, Session/README.md), one test
    /// per row: the phase before, the event, the verdict, the phase after. No socket, no clock: message times are given.
    /// </summary>
    public class StreamTrackerTransitionTests
    {
        private static readonly StreamKey Signal = new StreamKey(Channels.Signal, 42);
        private static readonly DateTimeOffset T0 = Units.Start;

        private static ulong Id(long n) => 0x1000UL + (ulong)n;
        private static DateTimeOffset At(long seq) => T0.AddSeconds(seq);

        /// <summary>Live, having delivered seq_ids 1..<paramref name="to"/> (each with its id and time).</summary>
        private static StreamTracker Live(long to = 5)
        {
            var t = new StreamTracker(Signal);
            t.OnSubscribeSent(null);
            t.OnAck(T0);
            for (var s = 1; s <= to; s++) Deliver(t, s);
            Assert.Equal(StreamPhase.Live, t.Phase);
            return t;
        }

        private static void Deliver(StreamTracker t, long s)
        {
            Assert.Equal(Verdict.Deliver, t.OnMessage(s, Id(s), At(s)));
            t.Commit(s, Id(s), At(s), skipped: false);
        }

        /// <summary>A replay from <paramref name="resumeFrom"/> acknowledged (no witness): ReplayStarting.</summary>
        private static StreamTracker Replay(long resumeFrom = 5)
        {
            var t = Live();
            t.OnSubscribeSent(resumeFrom);
            t.OnAck(T0);
            Assert.Equal(StreamPhase.ReplayStarting, t.Phase);
            return t;
        }

        /// <summary>A verified resume acknowledged: the witness is seq_id 5.</summary>
        private static StreamTracker Verifying()
        {
            var t = Live();
            t.OnSubscribeSent(t.PlanResumeFrom(verify: true));
            t.OnAck(T0);
            Assert.Equal(StreamPhase.Verifying, t.Phase);
            return t;
        }

        [Fact] // row 1
        public void Row01_a_subscribe_sent_awaits_its_ack_and_plans_the_witness_of_a_verified_resume()
        {
            var t = Live();
            t.OnSubscribeSent(t.PlanResumeFrom(verify: true));
            Assert.Equal(StreamPhase.AwaitingAck, t.Phase);
            Assert.Equal(4, t.RequestedFrom);
            Assert.Equal(5, t.WitnessSeq);
            var plain = Live();
            plain.OnSubscribeSent(plain.PlanResumeFrom());
            Assert.Equal(StreamPhase.AwaitingAck, plain.Phase);
            Assert.Null(plain.WitnessSeq);
        }

        [Fact] // row 2
        public void Row02_awaiting_the_ack_a_message_is_refetched_by_the_replay()
        {
            var t = Live();
            t.OnSubscribeSent(5);
            Assert.Equal(Verdict.Refetch, t.OnMessage(6, Id(6), At(6)));
            Assert.Equal(StreamPhase.AwaitingAck, t.Phase);
            Assert.Equal(5, t.LastSeq);
        }

        [Fact] // row 3
        public void Row03_awaiting_the_ack_a_gap_is_ignored()
        {
            var t = Live();
            t.OnSubscribeSent(5);
            Assert.Equal(GapVerdict.Ignore, t.OnGap());
            Assert.Equal(StreamPhase.AwaitingAck, t.Phase);
        }

        [Fact] // row 4
        public void Row04_an_ack_without_resume_from_goes_live_and_a_stream_with_no_position_is_watched_from_the_ack()
        {
            var t = new StreamTracker(Signal);
            t.OnSubscribeSent(t.PlanResumeFrom());
            t.OnAck(T0);
            Assert.Equal(StreamPhase.Live, t.Phase);
            Assert.Equal(T0, t.Since);
        }

        [Fact] // row 5
        public void Row05_an_ack_of_a_replay_without_witness_starts_the_replay()
        {
            var t = Replay();
            Assert.True(t.ReplayOpen);
            Assert.Null(t.WitnessSeq);
        }

        [Fact] // row 6
        public void Row06_an_ack_of_a_verified_resume_verifies()
        {
            var t = Verifying();
            Assert.True(t.ReplayOpen);
            Assert.Equal(5, t.WitnessSeq);
        }

        [Fact] // row 7
        public void Row07_a_request_abandoned_goes_back_to_live_but_a_suspended_stream_stays_suspended()
        {
            var t = Live();
            t.OnSubscribeSent(5);
            t.OnRequestAbandoned();
            Assert.Equal(StreamPhase.Live, t.Phase);
            var s = Live();
            s.Suspend();
            s.OnRequestAbandoned();
            Assert.Equal(StreamPhase.Suspended, s.Phase);
        }

        [Fact] // row 8
        public void Row08_the_witness_coming_back_proves_the_position()
        {
            var t = Verifying();
            Assert.Equal(Verdict.Duplicate, t.OnMessage(5, Id(5), At(5)));
            Assert.Equal(StreamPhase.Replaying, t.Phase);
            Assert.Null(t.WitnessSeq);
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), At(6)));
        }

        [Fact] // row 9
        public void Row09_another_message_at_the_witness_seq_id_is_a_restart()
        {
            var t = Verifying();
            Assert.Equal(Verdict.Unconfirmed, t.OnMessage(5, Id(905), At(900)));
            Assert.Equal(StreamPhase.Replaying, t.Phase);
        }

        [Fact] // row 10
        public void Row10_a_verified_resume_whose_replay_begins_above_the_witness_is_a_retention_hole()
        {
            var t = Verifying();
            Assert.Equal(Verdict.DeliverAfterHole, t.OnMessage(9, Id(9), At(9)));
            Assert.Equal(5, t.HoleAfter);
            Assert.Equal(StreamPhase.Replaying, t.Phase);
        }

        [Fact] // row 11
        public void Row11_a_witness_that_cannot_be_told_apart_is_dropped_and_the_replay_goes_on()
        {
            var t = Verifying();
            t.DropWitness();
            Assert.Equal(StreamPhase.ReplayStarting, t.Phase);
            Assert.Null(t.WitnessSeq);
        }

        [Fact] // row 12
        public void Row12_a_replay_that_starts_where_asked_delivers()
        {
            var t = Replay(5);
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), At(6)));
            Assert.Equal(StreamPhase.Replaying, t.Phase);
        }

        [Fact] // row 13
        public void Row13_a_replay_that_starts_above_the_point_asked_for_is_a_retention_hole()
        {
            var t = Replay(5);
            Assert.Equal(Verdict.DeliverAfterHole, t.OnMessage(301, Id(301), At(301)));
            Assert.Equal(5, t.HoleAfter);
            Assert.Equal(StreamPhase.Replaying, t.Phase);
        }

        [Fact] // row 14
        public void Row14_a_gap_before_any_message_of_the_replay_is_reported_once_and_the_replay_stays_open()
        {
            var t = Replay(5);
            Assert.Equal(GapVerdict.Report, t.OnGap());
            Assert.Equal(StreamPhase.ReplayStarting, t.Phase);
            t.OpenGap = new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, Signal.Channel, Signal.StrategyId, 5, "test");
            Assert.Equal(GapVerdict.Ignore, t.OnGap());
            Assert.Equal(StreamPhase.ReplayStarting, t.Phase);
        }

        [Fact] // row 15
        public void Row15_replaying_a_message_already_had_within_the_replay_is_a_duplicate()
        {
            var t = Live(8);
            t.OnSubscribeSent(5);
            t.OnAck(T0);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(6, Id(606), At(6)));  // pages overlap: seq 6 is had, whatever its id
            Assert.Equal(StreamPhase.Replaying, t.Phase);
        }

        [Fact] // row 16
        public void Row16_a_gap_after_progress_asks_for_the_next_page()
        {
            var t = Replay(5);
            Deliver(t, 6);
            Assert.Equal(GapVerdict.NextPage, t.OnGap());
            Assert.Equal(StreamPhase.Live, t.Phase);
            Assert.Equal(6, t.PlanResumeFrom());
        }

        [Fact] // row 17
        public void Row17_a_gap_of_a_replay_without_progress_is_reported()
        {
            var t = Replay(5);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(5, Id(5), At(5)));  // only what it had: no progress
            Assert.Equal(GapVerdict.Report, t.OnGap());
            Assert.Equal(StreamPhase.Live, t.Phase);
        }

        [Fact] // row 18
        public void Row18_a_gap_on_a_live_stream_is_reported_unless_a_range_is_open()
        {
            var t = Live();
            Assert.Equal(GapVerdict.Report, t.OnGap());
            t.OpenGap = new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, Signal.Channel, Signal.StrategyId, 5, "test");
            Assert.Equal(GapVerdict.Ignore, t.OnGap());
            Assert.Equal(StreamPhase.Live, t.Phase);
        }

        [Fact] // row 19
        public void Row19_a_sequence_that_went_back_above_1_with_a_known_time_is_backfilled()
        {
            var t = Live();
            Assert.Equal(Verdict.AnomalyBackfill, t.OnMessage(3, Id(903), At(903)));
            Assert.Equal(5, t.LastSeq);   // nothing moves until the loop re-bases
        }

        [Fact] // row 20
        public void Row20_a_sequence_that_went_back_to_1_re_bases_and_delivers()
        {
            var t = Live();
            var epoch = t.Epoch;
            Assert.Equal(Verdict.Anomaly, t.OnMessage(1, Id(901), At(901)));
            t.Rebase();
            Assert.Equal(StreamPhase.Live, t.Phase);
            Assert.Null(t.LastSeq);
            Assert.Equal(epoch + 1, t.Epoch);
        }

        [Fact] // row 21
        public void Row21_a_backfill_starts_a_new_sequence_watched_from_the_last_time_delivered()
        {
            var t = Live();
            t.BeginBackfill(At(5));
            Assert.Equal(StreamPhase.Live, t.Phase);
            Assert.Null(t.LastSeq);
            Assert.Equal(At(5), t.Since);
            Assert.True(t.Restarted);
            Assert.Equal(1, t.PlanResumeFrom());
        }

        [Fact] // row 22
        public void Row22_a_message_older_than_the_watch_time_is_skipped()
        {
            var t = new StreamTracker(Signal);
            t.OnSubscribeSent(null);
            t.OnAck(T0.AddMinutes(1));
            Assert.Equal(Verdict.Skip, t.OnMessage(3, Id(3), T0));
            Assert.Equal(Verdict.Deliver, t.OnMessage(4, Id(4), T0.AddMinutes(2)));
        }

        [Fact] // row 23
        public void Row23_a_message_whose_id_was_seen_is_a_duplicate()
        {
            var t = Live();
            Assert.Equal(Verdict.Duplicate, t.OnMessage(9, Id(4), At(9)));
            Assert.Equal(StreamPhase.Live, t.Phase);
        }

        [Fact] // row 24
        public void Row24_a_backfill_whose_first_message_is_above_1_reports_seq_id_1_as_unreplayable()
        {
            var t = Live();
            t.BeginBackfill(At(5));
            t.OnSubscribeSent(t.PlanResumeFrom());
            Assert.True(t.Unverified);
            t.OnAck(T0);
            Assert.Equal(StreamPhase.ReplayStarting, t.Phase);
            Assert.Equal(Verdict.Deliver, t.OnMessage(2, Id(902), At(902)));
            Assert.True(t.Commit(2, Id(902), At(902), skipped: false));
            Assert.False(t.Unverified);
        }

        [Fact] // row 25
        public void Row25_a_full_inbox_suspends_the_stream()
        {
            var t = Replay(5);
            Deliver(t, 6);
            t.Suspend();
            Assert.Equal(StreamPhase.Suspended, t.Phase);
            Assert.False(t.ReplayOpen);
        }

        [Fact] // row 26
        public void Row26_suspended_a_message_is_set_aside()
        {
            var t = Live();
            t.Suspend();
            Assert.Equal(Verdict.SetAside, t.OnMessage(6, Id(6), At(6)));
            Assert.Equal(Verdict.SetAside, t.OnMessage(7, Id(7), At(7)));
            Assert.Equal(3, t.SetAsideCount);
            Assert.Equal(StreamPhase.Suspended, t.Phase);
        }

        [Fact] // row 27
        public void Row27_suspended_a_gap_is_ignored()
        {
            var t = Live();
            t.Suspend();
            Assert.Equal(GapVerdict.Ignore, t.OnGap());
            Assert.Equal(StreamPhase.Suspended, t.Phase);
        }

        [Fact] // row 28
        public void Row28_a_suspended_stream_fetched_again_awaits_its_ack_from_the_position()
        {
            var t = Live();
            t.Suspend();
            t.OnSubscribeSent(t.PlanResumeFrom());
            Assert.Equal(StreamPhase.AwaitingAck, t.Phase);
            Assert.Equal(5, t.RequestedFrom);
            t.OnAck(T0);
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), At(6)));
        }

        [Fact] // row 29
        public void Row29_a_rewind_moves_the_position_and_forgets_the_ids()
        {
            var t = Live();
            t.Rewind(2);
            Assert.Equal(2, t.LastSeq);
            Assert.True(t.ExplicitPoint);
            t.OnSubscribeSent(t.PlanResumeFrom());
            t.OnAck(T0);
            Assert.Equal(Verdict.Deliver, t.OnMessage(3, Id(3), At(3)));  // its id was seen before the rewind: wanted again
        }
    }
}
