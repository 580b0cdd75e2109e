using System;
using System.Collections.Generic;
using System.Linq;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The duplicate window and the chunked inbox lanes (issue 26's compact structures) against plain references.</summary>
    public class IdWindowTests
    {
        [Fact]
        public void TheWindowHoldsExactlyTheLastIdsLikeAQueueAndASet()
        {
            // Few distinct hashes (many collide in the index) and repeats: the removal path shifts probe runs back.
            var rnd = new Random(26);
            var window = new IdWindow(64);
            var order = new Queue<ulong>();
            var set = new HashSet<ulong>();
            for (var step = 0; step < 20000; step++)
            {
                var id = (ulong)rnd.Next(1, 300) * (step % 3 == 0 ? 1UL : 0x1_0000_0001UL);
                Assert.Equal(set.Contains(id), window.Contains(id));
                var added = window.Add(id);
                Assert.Equal(set.Add(id), added);
                if (added)
                {
                    order.Enqueue(id);
                    if (order.Count > 64) set.Remove(order.Dequeue());
                }
                Assert.Equal(set.Count, window.Count);
            }
            foreach (var id in set) Assert.True(window.Contains(id));
            window.Clear();
            Assert.False(window.Contains(order.Peek()));
        }

        [Fact]
        public void InboxLanesKeepOrderAcrossChunksWithRequeues()
        {
            var key = new StreamKey(Channels.Signal, 1);
            var inbox = new Inbox(100_000, _ => { });
            var expected = new LinkedList<int>();
            var rnd = new Random(7);
            var next = 0;
            for (var step = 0; step < 5000; step++)
            {
                var adds = rnd.Next(0, 300);
                for (var i = 0; i < adds; i++) { inbox.AddNotice(key, Gap(next)); expected.AddLast(next++); }
                var takes = rnd.Next(0, 300);
                for (var i = 0; i < takes && expected.Count > 0; i++)
                {
                    Assert.True(inbox.TryTake(null, out var taken));
                    Assert.Equal(expected.First!.Value, (int)((C2DeliveryGap)taken.Item).AfterSeqId!.Value);
                    expected.RemoveFirst();
                    if (rnd.Next(4) == 0) { inbox.Requeue(taken); expected.AddFirst((int)((C2DeliveryGap)taken.Item).AfterSeqId!.Value); }
                }
            }
            while (expected.Count > 0)
            {
                Assert.True(inbox.TryTake(null, out var taken));
                Assert.Equal(expected.First!.Value, (int)((C2DeliveryGap)taken.Item).AfterSeqId!.Value);
                expected.RemoveFirst();
            }
            Assert.False(inbox.TryTake(null, out _));
        }

        private static C2DeliveryGap Gap(int n) => new C2DeliveryGap(1, C2DeliveryProblem.InboxOverflow, Channels.Signal, 1, n, "test");
    }
}
