using System;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>How a reader (Receive-C2Signal's) sleeps and wakes: it takes what is queued, and once a take finds nothing
    /// it sleeps until the inbox is signalled (the loop's flush), not while items trickle in unsignalled.</summary>
    public class InboxReaderTests
    {
        private static readonly StreamKey Key = new StreamKey(Channels.Signal, 7);

        private static C2StreamMessage Msg(long seq) => InboxTests.Msg(Key, seq);

        [Fact]
        public async Task A_reader_that_found_nothing_sleeps_until_the_inbox_is_signalled_and_then_takes_in_order()
        {
            await using var h = await Harness.OpenAsync();
            var inbox = h.Session.Inbox;
            using var reader = new InboxReader(new[] { h.Session });
            Assert.False(reader.TryTake(null, out _, out _));

            // Added by the loop, not yet flushed: takeable, but no reason to wake a reader that found nothing.
            inbox.Add(Key, Msg(1));
            Assert.False(reader.Wait(null, TimeSpan.Zero, CancellationToken.None), "an unsignalled add does not wake the reader");

            Assert.True(reader.TryTake(null, out _, out var first));
            Assert.False(reader.TryTake(null, out _, out _));

            // The wait is far longer than the test may take: it returns true only because the flush woke it.
            var woke = Task.Factory.StartNew(() => reader.Wait(null, TimeSpan.FromMinutes(5), CancellationToken.None), TaskCreationOptions.LongRunning);
            inbox.Add(Key, Msg(2));
            inbox.Flush();
            Assert.True(await woke.WaitAsync(Units.Wait), "the flush woke the reader");
            Assert.True(reader.TryTake(null, out _, out var second));
            Assert.Equal(new long?[] { 1, 2 }, new[] { ((C2StreamMessage)first.Item).SeqId, ((C2StreamMessage)second.Item).SeqId });
        }

        [Fact]
        public async Task A_flush_between_the_empty_take_and_the_wait_is_not_missed()
        {
            await using var h = await Harness.OpenAsync();
            var inbox = h.Session.Inbox;
            using var reader = new InboxReader(new[] { h.Session });
            Assert.False(reader.TryTake(null, out _, out _));
            inbox.Add(Key, Msg(1));
            inbox.Flush(); // before the reader arms itself to sleep
            Assert.True(reader.Wait(null, TimeSpan.FromMinutes(5), CancellationToken.None), "returns at once: signalled since the empty take");
            Assert.True(reader.TryTake(null, out _, out var taken));
            Assert.Equal(1, ((C2StreamMessage)taken.Item).SeqId);
        }

        [Fact]
        public async Task A_wait_with_no_take_before_it_looks_for_what_is_queued()
        {
            await using var h = await Harness.OpenAsync();
            h.Session.Inbox.Add(Key, Msg(1)); // queued before the reader exists, never flushed
            using var reader = new InboxReader(new[] { h.Session });
            Assert.True(reader.Wait(null, TimeSpan.Zero, CancellationToken.None));
            Assert.True(reader.TryTake(null, out _, out _));
        }
    }
}
