using System;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The sequencing rules of one stream, without a session.</summary>
    public class StreamTrackerTests
    {
        private static readonly StreamKey Signal = new StreamKey(Channels.Signal, 42);
        private static readonly StreamKey Positions = new StreamKey(Channels.Positions, 42);
        private static readonly DateTimeOffset T0 = Units.Start;

        /// <summary>A message id hash that is never 0 (0 means "no id").</summary>
        private static ulong Id(long n) => 0x1000UL + (ulong)n;

        /// <summary>A live stream that delivered seq_ids <paramref name="from"/>..<paramref name="to"/>.</summary>
        private static StreamTracker Delivered(long from, long to, StreamKey? key = null)
        {
            var t = new StreamTracker(key ?? Signal);
            t.OnSubscribeSent(null);
            t.OnAck(T0);
            for (var s = from; s <= to; s++)
            {
                Assert.Equal(Verdict.Deliver, t.OnMessage(s, Id(s), T0.AddSeconds(s)));
                t.Commit(s, Id(s), T0.AddSeconds(s), skipped: false);
            }
            return t;
        }

        [Fact]
        public void A_message_id_seen_before_is_a_duplicate_whatever_its_seq_id()
        {
            var t = Delivered(1, 5);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(3, Id(3), null));
            Assert.Equal(Verdict.Duplicate, t.OnMessage(9, Id(4), null)); // same id, another seq_id: still the same message
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), null));
            Assert.Equal(5, t.LastSeq);
        }

        [Fact]
        public void A_verified_resume_asks_for_the_last_message_again_and_judges_the_server_by_it()
        {
            var t = Delivered(1, 5);
            Assert.Equal(5, t.PlanResumeFrom());                  // a replay page continues after the position
            t.OnSubscribeSent(t.PlanResumeFrom(verify: true));    // a reconnect asks for seq_id 5 again
            Assert.Equal(4, t.RequestedFrom);
            Assert.Equal(5, t.WitnessSeq);
            t.OnAck(T0);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(5, Id(5), null)); // the same message: the position holds
            Assert.Null(t.WitnessSeq);
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), null));

            var restarted = Delivered(1, 5);
            restarted.OnSubscribeSent(restarted.PlanResumeFrom(verify: true));
            restarted.OnAck(T0);
            Assert.Equal(Verdict.Unconfirmed, restarted.OnMessage(5, Id(905), T0.AddHours(1))); // another message at seq_id 5

            // Above the witness: the server no longer holds seq_id 5 and 6 (a retention hole, issue 24 1b), not a restart:
            // reported, then delivered; nothing is backfilled.
            var held = Delivered(1, 5);
            held.OnSubscribeSent(held.PlanResumeFrom(verify: true));
            held.OnAck(T0);
            Assert.Equal(Verdict.DeliverAfterHole, held.OnMessage(7, Id(907), T0.AddHours(1)));
            Assert.Equal(5, held.HoleAfter);
        }

        [Fact]
        public void A_checkpoint_position_is_recognised_by_its_time_and_a_bare_ResumeFrom_is_not_verified()
        {
            var t = new StreamTracker(Signal);
            t.Start(5, 0, T0.AddSeconds(5.0004), null, explicitPoint: true);   // checkpoints keep milliseconds
            t.OnSubscribeSent(t.PlanResumeFrom(verify: true));
            Assert.Equal(4, t.RequestedFrom);
            t.OnAck(T0);
            Assert.True(t.NeedsTime);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(5, Id(5), T0.AddSeconds(5)));

            var bare = new StreamTracker(Signal);
            bare.Start(5, 0, null, null, explicitPoint: true);                 // -ResumeFrom 5: nothing to recognise it by
            bare.OnSubscribeSent(bare.PlanResumeFrom(verify: true));
            Assert.Equal(5, bare.RequestedFrom);
            Assert.Null(bare.WitnessSeq);
        }

        [Fact]
        public void A_witness_that_arrives_after_its_backfill_started_is_not_delivered_twice()
        {
            var t = new StreamTracker(Signal);
            t.Start(5, 0, T0.AddSeconds(5), null, explicitPoint: true);
            t.OnSubscribeSent(t.PlanResumeFrom(verify: true));
            t.OnAck(T0);
            t.BeginBackfill(T0.AddSeconds(5));                                  // the witness timed out
            t.OnSubscribeSent(t.PlanResumeFrom());
            Assert.Equal(1, t.RequestedFrom);
            t.OnAck(T0);
            Assert.Equal(Verdict.Skip, t.OnMessage(4, Id(4), T0.AddSeconds(4)));            // older than the last delivered
            t.Commit(4, Id(4), T0.AddSeconds(4), skipped: true);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(5, Id(5), T0.AddSeconds(5)));       // the old sequence after all: seq_id 5 again
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), T0.AddSeconds(6)));
        }

        [Fact]
        public void The_id_window_forgets_the_oldest_ids()
        {
            var t = Delivered(1, StreamTracker.IdWindow + 1);
            Assert.NotEqual(Verdict.Duplicate, t.OnMessage(1, Id(1), null));  // forgotten: judged by its seq_id
            Assert.Equal(Verdict.Duplicate, t.OnMessage(2, Id(2), null));
        }

        [Fact]
        public void Inside_a_replay_the_client_asked_for_a_seq_id_already_had_is_a_duplicate_even_with_a_new_id()
        {
            var t = Delivered(1, 10);
            t.OnSubscribeSent(t.PlanResumeFrom());  // resume_from 10
            Assert.Equal(10, t.RequestedFrom);
            t.OnAck(T0);
            Assert.True(t.ReplayOpen);
            t.Commit(11, Id(11), null, skipped: false);
            t.Commit(12, Id(12), null, skipped: false);
            Assert.Equal(Verdict.Duplicate, t.OnMessage(12, 0, null));        // no id, inside (10, 12]
            Assert.Equal(Verdict.Duplicate, t.OnMessage(11, Id(5011), null)); // a new id, inside (10, 12]
            Assert.Equal(Verdict.AnomalyBackfill, t.OnMessage(9, Id(5009), null)); // below the replay: the sequence went back
        }

        [Fact]
        public void Seq_id_going_back_to_1_is_an_anomaly_delivered_at_once_but_above_1_it_is_backfilled()
        {
            var t = Delivered(1, 10);
            Assert.Equal(Verdict.Anomaly, t.OnMessage(1, Id(9001), null));
            Assert.Equal(Verdict.AnomalyBackfill, t.OnMessage(4, Id(9004), null));
            Assert.Equal(Verdict.AnomalyBackfill, t.OnMessage(10, Id(9010), null));

            // Positions cannot be replayed: any step back is taken as it comes.
            var p = Delivered(1, 10, Positions);
            Assert.Equal(Verdict.Anomaly, p.OnMessage(4, Id(9004), null));
        }

        [Fact]
        public void Rebase_starts_a_new_sequence_in_a_new_epoch()
        {
            var t = Delivered(1, 10);
            var epoch = t.Epoch;
            t.Rebase();
            Assert.Equal(epoch + 1, t.Epoch);
            Assert.Null(t.LastSeq);
            Assert.Equal(Verdict.Deliver, t.OnMessage(1, Id(9001), null));
            t.Commit(1, Id(9001), null, skipped: false);
            Assert.Equal(1, t.LastSeq);
        }

        [Fact]
        public void BeginBackfill_rebases_and_replays_from_the_start_keeping_what_is_newer_than_the_last_delivered()
        {
            var t = Delivered(1, 10);
            t.BeginBackfill(T0.AddSeconds(10));
            Assert.Null(t.LastSeq);
            Assert.Equal(T0.AddSeconds(10), t.Since);
            Assert.Equal(1, t.PlanResumeFrom());
        }

        [Fact]
        public void Before_the_watch_time_messages_are_skipped_and_from_it_on_delivered()
        {
            // The watch time is a server timestamp (the ack's), compared with the server's timestamps of the signals:
            // no tolerance is needed (a watch time from the local clock estimate has it subtracted already).
            var t = new StreamTracker(Signal);
            t.Start(null, 0, null, watchingSince: T0, explicitPoint: false);
            Assert.Equal(1, t.PlanResumeFrom());           // no position, a watch time: replay all, keep the new
            t.OnSubscribeSent(1);
            t.OnAck(T0);
            Assert.Equal(Verdict.Skip, t.OnMessage(1, Id(1), T0 - TimeSpan.FromMilliseconds(1)));
            Assert.Equal(Verdict.Deliver, t.OnMessage(1, Id(1), T0));
            Assert.Equal(Verdict.Deliver, t.OnMessage(1, Id(1), T0 + TimeSpan.FromSeconds(1)));
            Assert.Equal(Verdict.Deliver, t.OnMessage(1, Id(1), null)); // no timestamp: never dropped on a guess

            // A skip moves the position but keeps the watch; the first wanted message ends it.
            t.Commit(1, Id(1), T0.AddSeconds(-60), skipped: true);
            Assert.Equal(1, t.LastSeq);
            Assert.Equal(T0, t.Since);
            t.Commit(2, Id(2), T0.AddSeconds(1), skipped: false);
            Assert.Null(t.Since);
            Assert.Equal(Verdict.Deliver, t.OnMessage(3, Id(3), T0.AddSeconds(-600)));
        }

        [Fact]
        public void An_acknowledged_stream_with_no_position_is_watched_from_the_servers_time_of_the_ack()
        {
            var t = new StreamTracker(Signal);
            Assert.Null(t.PlanResumeFrom());               // nothing known: live only
            t.OnSubscribeSent(null);
            t.OnAck(T0);
            Assert.Equal(T0, t.Since);
            Assert.Equal(1, t.PlanResumeFrom());           // a resubscribe before anything arrived replays from the start

            var p = new StreamTracker(Positions);
            p.OnSubscribeSent(null);
            p.OnAck(T0);
            Assert.Null(p.Since);
            Assert.Null(p.PlanResumeFrom());              // positions are never replayed
        }

        [Fact]
        public void A_suspended_stream_sets_messages_aside_until_it_is_subscribed_again()
        {
            var t = Delivered(1, 5);
            t.Suspend();
            Assert.True(t.Suspended);
            Assert.Equal(Verdict.SetAside, t.OnMessage(6, Id(6), null));
            Assert.Equal(Verdict.SetAside, t.OnMessage(7, Id(7), null));
            Assert.Equal(3, t.SetAsideCount);              // the refused one and these two
            Assert.Equal(5, t.LastSeq);
            Assert.Equal(5, t.PlanResumeFrom());           // fetched again from the last queued
            t.OnSubscribeSent(5);
            Assert.False(t.Suspended);
        }

        [Fact]
        public void While_a_subscribe_awaits_its_ack_data_is_left_to_the_replay_after_it()
        {
            var t = Delivered(1, 5);
            t.OnSubscribeSent(5);
            Assert.True(t.AwaitingAck);
            Assert.Equal(Verdict.Refetch, t.OnMessage(6, Id(6), null));
            t.OnAck(T0);
            Assert.Equal(Verdict.Deliver, t.OnMessage(6, Id(6), null));

            t.OnSubscribeSent(5);
            t.OnRequestAbandoned();                         // the connection was lost: nothing in flight any more
            Assert.False(t.AwaitingAck);
            Assert.False(t.ReplayOpen);
        }

        [Fact]
        public void A_gap_after_a_replay_page_that_made_progress_asks_for_the_next_page()
        {
            var t = Delivered(1, 10);
            t.OnSubscribeSent(10);
            t.OnAck(T0);
            for (var s = 11; s <= 15; s++) t.Commit(s, Id(s), null, skipped: false);
            Assert.Equal(GapVerdict.NextPage, t.OnGap());
            Assert.False(t.ReplayOpen);
            Assert.Equal(15, t.PlanResumeFrom());
        }

        [Fact]
        public void A_gap_after_a_page_that_added_nothing_is_reported_once()
        {
            var t = Delivered(1, 10);
            t.OnSubscribeSent(10);
            t.OnAck(T0);
            Assert.Equal(GapVerdict.Report, t.OnGap());
            t.OpenGap = new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, Signal.Channel, 42, 10, "lost");
            Assert.Equal(GapVerdict.Ignore, t.OnGap());    // the same loss again
        }

        [Fact]
        public void A_gap_that_is_not_a_replay_of_ours_is_reported_and_one_in_flight_or_suspended_is_ignored()
        {
            Assert.Equal(GapVerdict.Report, Delivered(1, 3).OnGap());

            var awaiting = Delivered(1, 3);
            awaiting.OnSubscribeSent(3);
            Assert.Equal(GapVerdict.Ignore, awaiting.OnGap()); // the new replay decides

            var suspended = Delivered(1, 3);
            suspended.OnSubscribeSent(3);
            suspended.OnAck(T0);
            suspended.Suspend();
            Assert.Equal(GapVerdict.Ignore, suspended.OnGap()); // fetched again anyway
        }

        [Fact]
        public void Commit_closes_an_open_gap_at_the_next_delivered_message_but_not_at_a_skipped_one()
        {
            var t = Delivered(1, 10);
            var gap = new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, Signal.Channel, 42, 10, "lost");
            t.OpenGap = gap;
            t.Commit(1500, Id(1500), T0.AddHours(1), skipped: true);
            Assert.Same(gap, t.OpenGap);
            Assert.Null(gap.BeforeSeqId);
            t.Commit(1501, Id(1501), T0.AddHours(2), skipped: false);
            Assert.Null(t.OpenGap);
            Assert.Equal(1501, gap.BeforeSeqId);
            Assert.Equal(T0.AddHours(2), gap.To);
            Assert.Equal("seq_id > 10 and < 1501", gap.Range);
        }

        [Fact]
        public void A_backfill_from_the_start_reports_when_its_first_message_is_not_seq_1()
        {
            var t = new StreamTracker(Signal);
            t.Start(null, 0, null, watchingSince: T0, explicitPoint: false);
            t.OnSubscribeSent(t.PlanResumeFrom());
            Assert.True(t.Unverified);
            t.OnAck(T0);
            Assert.True(t.Commit(3, Id(3), T0.AddSeconds(1), skipped: false)); // seq_id 1 (and 2) may be missing
            Assert.False(t.Unverified);
            Assert.False(t.Commit(4, Id(4), T0.AddSeconds(2), skipped: false)); // said once
        }

        [Theory]
        [InlineData(1L, false)]   // the replay brought seq_id 1 itself: nothing can be missing
        [InlineData(2L, true)]
        public void The_seq_1_check_looks_only_at_the_first_message_of_the_backfill(long firstSeq, bool reported)
        {
            var t = new StreamTracker(Signal);
            t.Start(null, 0, null, watchingSince: T0, explicitPoint: false);
            t.OnSubscribeSent(1);
            t.OnAck(T0);
            Assert.Equal(reported, t.Commit(firstSeq, Id(firstSeq), T0.AddSeconds(1), skipped: false));
        }

        [Fact]
        public void A_skipped_first_message_proves_the_backfill_reached_back_before_the_watch()
        {
            var t = new StreamTracker(Signal);
            t.Start(null, 0, null, watchingSince: T0, explicitPoint: false);
            t.OnSubscribeSent(1);
            t.OnAck(T0);
            Assert.False(t.Commit(5, Id(5), T0.AddMinutes(-10), skipped: true));
            Assert.False(t.Unverified);
            Assert.False(t.Commit(6, Id(6), T0.AddSeconds(1), skipped: false));
        }

        [Fact]
        public void Rewind_replays_from_an_earlier_point_forgetting_the_ids_already_seen()
        {
            var t = Delivered(1, 10);
            var epoch = t.Epoch;
            t.Rewind(4);
            Assert.Equal(4, t.LastSeq);
            Assert.Equal(epoch + 1, t.Epoch);
            Assert.True(t.ExplicitPoint);
            Assert.Equal(4, t.PlanResumeFrom());
            t.OnSubscribeSent(4);
            t.OnAck(T0);
            Assert.Equal(Verdict.Deliver, t.OnMessage(5, Id(5), null)); // seen before the rewind, wanted again
        }

        [Fact]
        public void Start_takes_a_checkpoint_position_or_only_its_watch_time()
        {
            var t = new StreamTracker(Signal);
            t.Start(77, 3, T0, watchingSince: T0.AddDays(-1), explicitPoint: true);
            Assert.Equal(77, t.LastSeq);
            Assert.Equal(3, t.Epoch);
            Assert.Null(t.Since);                          // a position makes the watch time moot
            Assert.True(t.ExplicitPoint);
            Assert.Equal(77, t.PlanResumeFrom());

            var w = new StreamTracker(Signal);
            w.Start(0, 0, null, watchingSince: T0, explicitPoint: true);
            Assert.Null(w.LastSeq);                        // 0 is no position
            Assert.False(w.ExplicitPoint);
            Assert.Equal(T0, w.Since);
        }
    }
}
