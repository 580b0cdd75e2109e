using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// A message whose handling throws (a bug, or a shape nobody foresaw) is counted and skipped, and costs no other
    /// message: alone, or inside a batch of the messages a burst's socket had buffered.
    /// </summary>
    public class LoopFailureTests
    {
        [Fact]
        public async Task A_message_whose_handling_throws_inside_a_batch_is_counted_and_the_rest_of_the_batch_is_still_delivered()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            h.Conn.HoldFrames();
            h.Conn.SendSignal(42, 1);
            h.Conn.SendHeartbeat();        // its ack's send throws: handling it fails
            h.Conn.SendSignal(42, 2);
            h.Conn.SendSignal(42, 3);
            h.Conn.ThrowOnSend = m => m.Contains("heartbeat.ack");
            await h.Session.Loop.InjectBatchAsync(h.Conn.TakeHeld());

            await h.UntilAsync(() => sub.LastSeqId == 3, "the signals after the failed message are queued");
            Assert.Equal(3, h.Session.InboxCount);
            Assert.Equal(1, h.Session.HandlingFailures);
        }

        [Fact]
        public async Task A_message_whose_handling_throws_alone_is_counted_and_the_next_one_is_delivered()
        {
            await using var h = await Harness.OpenAsync();
            var sub = await h.SubscribeAckedAsync(42);
            h.Conn.ThrowOnSend = m => m.Contains("heartbeat.ack");
            h.Conn.SendHeartbeat();
            await h.UntilAsync(() => h.Session.HandlingFailures == 1, "the heartbeat's handling failed");
            h.Conn.SendSignal(42, 1);
            await h.UntilAsync(() => sub.LastSeqId == 1, "the next signal is queued");
            Assert.Equal(1, h.Session.InboxCount);
        }
    }
}
