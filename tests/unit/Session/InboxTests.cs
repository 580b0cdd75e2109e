using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The per-stream lanes between the session loop and the reader.</summary>
    public class InboxTests
    {
        private static readonly StreamKey A = new StreamKey(Channels.Signal, 1);
        private static readonly StreamKey B = new StreamKey(Channels.Signal, 2);

        private readonly List<StreamKey> _roomCalls = new List<StreamKey>();

        private Inbox NewInbox(int capacity) => new Inbox(capacity, key => { lock (_roomCalls) _roomCalls.Add(key); });

        /// <summary>A signal of <paramref name="key"/> with <paramref name="seq"/> (InboxReaderTests use it too).</summary>
        internal static C2StreamMessage Msg(StreamKey key, long seq)
        {
            var json = "{\"msg_type\":\"strategy.signal\",\"id\":\"msg_" + key.StrategyId + "_" + seq + "\",\"seq_id\":" + seq +
                       ",\"timestamp\":\"2025-03-03T12:00:00Z\",\"payload\":{\"strategy_id\":" + key.StrategyId + "}}";
            var bytes = Encoding.UTF8.GetBytes(json);
            var env = EnvelopeReader.Decode(bytes, bytes.Length);
            return new C2Signal(1, key.StrategyId, env, bytes, Units.Start, 0);
        }

        private static C2DeliveryGap Notice(StreamKey key) =>
            new C2DeliveryGap(1, C2DeliveryProblem.ReplayLimitExceeded, key.Channel, key.StrategyId, 1, "lost");

        /// <summary>Takes everything the filter accepts, as "stream:seq" for messages, "stream:gap" and "stream:@seq" for markers.</summary>
        private static List<string> Drain(Inbox inbox, Func<StreamKey, bool>? filter = null)
        {
            var taken = new List<string>();
            while (inbox.TryTake(filter, out var t)) taken.Add(Describe(t));
            return taken;
        }

        private static string Describe(in InboxTake t) =>
            t.Key.StrategyId + ":" + (t.Item is C2StreamMessage m ? m.SeqId.ToString() : t.Item is PositionMarker p ? "@" + p.Seq : "gap");

        [Fact]
        public void An_unread_stream_past_its_capacity_never_takes_room_from_another_stream()
        {
            var inbox = NewInbox(3);
            for (var s = 1; s <= 3; s++) inbox.Add(B, Msg(B, s));
            Assert.False(inbox.HasRoom(B));
            Assert.True(inbox.HasRoom(A));
            for (var s = 1; s <= 3; s++) { Assert.True(inbox.HasRoom(A)); inbox.Add(A, Msg(A, s)); }
            Assert.False(inbox.HasRoom(A));
            Assert.Equal(6, inbox.Count);
            Assert.Equal(3, inbox.CountOf(A));

            // A reader of A alone drains A; B's backlog stays as it is.
            Assert.Equal(new[] { "1:1", "1:2", "1:3" }, Drain(inbox, k => k == A));
            Assert.True(inbox.HasRoom(A));
            Assert.Equal(3, inbox.CountOf(B));
        }

        [Fact]
        public void Readers_take_the_oldest_item_across_lanes_and_a_filter_skips_other_streams()
        {
            var inbox = NewInbox(10);
            inbox.Add(A, Msg(A, 1));
            inbox.Add(B, Msg(B, 1));
            inbox.AddNotice(A, Notice(A));
            inbox.Add(B, Msg(B, 2));
            inbox.Add(A, Msg(A, 2));
            Assert.Equal(new[] { "2:1", "2:2" }, Drain(inbox, k => k == B));
            Assert.Equal(new[] { "1:1", "1:gap", "1:2" }, Drain(inbox));
            Assert.False(inbox.Peekable(null));
        }

        [Fact]
        public void Notices_and_markers_travel_in_order_outside_the_capacity()
        {
            var inbox = NewInbox(1);
            inbox.Add(A, Msg(A, 1));
            Assert.False(inbox.HasRoom(A));
            inbox.AddNotice(A, Notice(A));
            inbox.AddMarker(A, 0, 5, null);
            Assert.Equal(1, inbox.Count);                  // only data counts
            Assert.Equal(new[] { "1:1", "1:gap", "1:@5" }, Drain(inbox));
        }

        [Fact]
        public void A_requeued_item_goes_back_to_the_front_in_its_original_order()
        {
            var inbox = NewInbox(10);
            inbox.Add(A, Msg(A, 1));
            inbox.Add(B, Msg(B, 1));
            inbox.Add(A, Msg(A, 2));
            Assert.True(inbox.TryTake(null, out var first));
            Assert.Equal("1:1", Describe(first));
            Assert.Equal(2, inbox.Count);
            inbox.Requeue(first);                          // the pipeline could not take it
            Assert.Equal(3, inbox.Count);
            Assert.Equal(new[] { "1:1", "2:1", "1:2" }, Drain(inbox));
        }

        [Fact]
        public void Consecutive_position_markers_coalesce_into_the_last_one()
        {
            var inbox = NewInbox(10);
            inbox.AddMarker(A, 0, 3, null);
            inbox.AddMarker(A, 0, 4, null);
            inbox.AddMarker(A, 1, 7, Units.Start);
            inbox.Add(A, Msg(A, 8));
            inbox.AddMarker(A, 1, 9, null);                // after a message: a marker of its own
            Assert.True(inbox.TryTake(null, out var t));
            var marker = Assert.IsType<PositionMarker>(t.Item);
            Assert.Equal((1L, 7L, (DateTimeOffset?)Units.Start), (marker.Epoch, marker.Seq, marker.At));
            Assert.Equal(new[] { "1:8", "1:@9" }, Drain(inbox));
        }

        [Fact]
        public void WantRoom_calls_back_once_when_the_reader_has_drained_the_stream_to_half()
        {
            var inbox = NewInbox(4);
            for (var s = 1; s <= 4; s++) inbox.Add(A, Msg(A, s));
            inbox.Add(B, Msg(B, 1));
            inbox.WantRoom(A);
            Assert.Empty(_roomCalls);
            Assert.True(inbox.TryTake(k => k == B, out _));  // another stream's reads do not count
            Assert.True(inbox.TryTake(k => k == A, out _));  // 3 left
            Assert.Empty(_roomCalls);
            Assert.True(inbox.TryTake(k => k == A, out _));  // 2 left: half
            Assert.Equal(new[] { A }, _roomCalls);
            Assert.True(inbox.TryTake(k => k == A, out _));
            Assert.Single(_roomCalls);

            inbox.WantRoom(A);                              // already at or below half: at once
            Assert.Equal(new[] { A, A }, _roomCalls);
        }

        [Fact]
        public void Drop_forgets_one_stream_and_counts_its_messages()
        {
            var inbox = NewInbox(10);
            inbox.Add(A, Msg(A, 1));
            inbox.Add(A, Msg(A, 2));
            inbox.AddNotice(A, Notice(A));
            inbox.Add(B, Msg(B, 1));
            Assert.Equal(2, inbox.Drop(A));
            Assert.Equal(0, inbox.Drop(A));
            Assert.Equal(new[] { "2:1" }, Drain(inbox));
        }

        [Fact]
        public void Clear_forgets_everything_and_a_later_requeue_is_discarded()
        {
            var inbox = NewInbox(10);
            inbox.Add(A, Msg(A, 1));
            inbox.Add(B, Msg(B, 1));
            inbox.Add(B, Msg(B, 2));
            Assert.True(inbox.TryTake(null, out var inHand));
            Assert.Equal(2, inbox.Clear());
            inbox.Requeue(inHand);                          // the session was closed while a reader held it
            Assert.Equal(0, inbox.Count);
            Assert.False(inbox.Peekable(null));
        }

        [Fact]
        public async Task Complete_wakes_a_waiting_reader_and_nothing_is_added_after_it()
        {
            var inbox = NewInbox(10);
            inbox.Add(A, Msg(A, 1));
            using var waiter = new InboxWaiter();
            inbox.Register(waiter);
            waiter.Arm();
            var woke = waiter.WaitAsync(Units.Wait, CancellationToken.None);
            Assert.False(woke.IsCompleted);
            inbox.Complete();
            Assert.True(await woke);
            Assert.True(inbox.IsCompleted);

            inbox.Add(A, Msg(A, 2));
            inbox.AddNotice(A, Notice(A));
            inbox.AddMarker(A, 0, 3, null);
            Assert.Equal(new[] { "1:1" }, Drain(inbox));    // what was queued before stays readable
            inbox.Unregister(waiter);
        }

        [Fact]
        public async Task Added_messages_wake_an_armed_waiter_when_flushed_or_every_SignalEvery_items()
        {
            var inbox = NewInbox(1000);
            using var waiter = new InboxWaiter();
            inbox.Register(waiter);

            // A burst's items wake the reader once, when the loop stops handling (Flush), not one by one.
            waiter.Arm();
            inbox.Add(B, Msg(B, 1));
            Assert.False(await waiter.WaitAsync(TimeSpan.Zero, CancellationToken.None)); // added, not yet flushed
            waiter.Arm();
            var woke = waiter.WaitAsync(Units.Wait, CancellationToken.None);
            inbox.Flush();
            Assert.True(await woke);

            // A long burst (a pump that never waits for its socket) still wakes it every SignalEvery items.
            waiter.Arm();
            woke = waiter.WaitAsync(Units.Wait, CancellationToken.None);
            for (var i = 0; i < Inbox.SignalEvery - 1; i++) inbox.Add(B, Msg(B, 2 + i));
            Assert.False(woke.IsCompleted);
            inbox.Add(B, Msg(B, 1 + Inbox.SignalEvery));
            Assert.True(await woke);

            // Nothing left to flush: no wake-up.
            waiter.Arm();
            inbox.Flush();
            Assert.False(await waiter.WaitAsync(TimeSpan.Zero, CancellationToken.None));

            inbox.Unregister(waiter);
            waiter.Arm();
            inbox.Add(B, Msg(B, 100));
            inbox.Flush();
            Assert.False(await waiter.WaitAsync(TimeSpan.Zero, CancellationToken.None)); // no longer registered: not signalled
        }

        [Fact]
        public void ReaderWaiting_says_whether_a_registered_reader_found_nothing_and_waits_for_more()
        {
            // The receive pump hands a burst to another thread only while a reader waits (issue 26): a busy reader is the
            // limit, and a second busy thread would take CPU from it.
            var inbox = NewInbox(1000);
            using var waiter = new InboxWaiter();
            Assert.False(inbox.ReaderWaiting); // no reader at all
            inbox.Register(waiter);
            Assert.False(inbox.ReaderWaiting); // registered, taking items
            waiter.Arm();
            Assert.True(inbox.ReaderWaiting);  // found nothing: waits
            inbox.Add(B, Msg(B, 1));
            inbox.Flush();
            Assert.False(inbox.ReaderWaiting); // signalled: taking items again
            waiter.Arm();
            inbox.Unregister(waiter);
            Assert.False(inbox.ReaderWaiting);
        }
    }
}
