using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The state changes a Receive-C2Signal -IncludeStateChange reads: recorded by the session, taken in order with
    /// the messages, and a waiting reader is woken by one (no polling).</summary>
    public class StateChangeTests
    {
        /// <summary>Takes everything: "seq n" for messages, "Previous->State" for changes.</summary>
        private static List<string> Drain(InboxReader reader, bool states)
        {
            var taken = new List<string>();
            while (reader.TryTake(null, states, out _, out var t, out var change))
                taken.Add(change != null ? change.PreviousState + "->" + change.State : t.Item is C2StreamMessage m ? "seq " + m.SeqId : t.Item.GetType().Name);
            return taken;
        }

        [Fact]
        public async Task A_reader_waiting_for_state_changes_is_woken_by_one()
        {
            await using var h = await Harness.OpenAsync();
            await h.SubscribeAckedAsync(7);
            using var reader = new InboxReader(new[] { h.Session }) { States = true };
            Assert.False(reader.Wait(null, TimeSpan.Zero, CancellationToken.None), "nothing to take yet");

            // The wait is far longer than the test may take: it returns true only because the change woke it.
            var woke = Task.Factory.StartNew(() => reader.Wait(null, TimeSpan.FromMinutes(5), CancellationToken.None), TaskCreationOptions.LongRunning);
            h.Conn.Drop();
            Assert.True(await woke.WaitAsync(Units.Wait), "the reader woke for the Reconnecting change");
            Assert.Equal(new[] { "Connected->Reconnecting" }, Drain(reader, states: true));
        }

        [Fact]
        public async Task Changes_are_taken_in_order_with_the_messages_and_only_by_a_reader_that_asks_for_them()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(7);
            h.Conn.SendSignal(7, 1);
            h.Conn.SendSignal(7, 2);
            await h.UntilAsync(() => h.Session.InboxCount == 2, "two signals queued");
            var next = await h.DropAndReconnectAsync();
            var resubscribe = await h.SentAsync(next);
            next.SendAck(resubscribe);
            await h.UntilAsync(() => h.Session.State == C2SessionState.Connected, "connected again");
            next.SendSignal(7, 2); // the witness of the resume: a duplicate, dropped
            next.SendSignal(7, 3);
            await h.UntilAsync(() => h.Session.InboxCount == 3, "the third signal queued");

            using (var plain = new InboxReader(new[] { h.Session }))
            {
                // A reader that does not ask for state changes never takes one.
                Assert.True(plain.TryTake(null, out _, out var first));
                Assert.Equal(1, ((C2StreamMessage)first.Item).SeqId);
                Assert.Equal(2, h.Session.StateChanges.Count);
            }
            using var reader = new InboxReader(new[] { h.Session }) { States = true };
            Assert.Equal(new[] { "seq 2", "Connected->Reconnecting", "Reconnecting->Connected", "seq 3" }, Drain(reader, states: true));
            Assert.Equal(0, h.Session.StateChanges.Count);
        }

        [Fact]
        public async Task A_change_carries_the_session_time_and_reason_and_the_open_itself_is_not_one()
        {
            await using var h = await Harness.OpenAsync(o => o.MaxReconnectAttempts = 0);
            Assert.Equal(0, h.Session.StateChanges.Count);
            h.Conn.Drop();
            await h.UntilAsync(() => h.Session.State == C2SessionState.Disconnected, "the session ends");
            Assert.True(h.Session.StateChanges.TryTake(out var change));
            Assert.Equal(h.Session.Id, change!.SessionId);
            Assert.Equal(C2SessionState.Connected, change.PreviousState);
            Assert.Equal(C2SessionState.Disconnected, change.State);
            Assert.Equal(h.Session.EndReason, change.Reason);
            Assert.Contains("reconnecting is turned off", change.Reason);
            Assert.Equal(h.Clock.GetUtcNow(), change.Time);
        }

        [Fact]
        public void The_queue_keeps_the_last_hundred()
        {
            var q = new StateChangeQueue();
            for (var i = 0; i < StateChangeQueue.Capacity + 5; i++)
                q.Add(new C2StateChange(1, C2SessionState.Connected, C2SessionState.Reconnecting, "r" + i, Units.Start, i));
            Assert.Equal(StateChangeQueue.Capacity, q.Count);
            Assert.Equal(5, q.NextOrder());
        }
    }
}
