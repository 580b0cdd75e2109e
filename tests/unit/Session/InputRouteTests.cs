using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The one route by which inputs reach the session's loop (issue 25): one input handled at a time, in the order
    /// submitted, a post made while handling deferred, a pump handling its message on its own thread and anyone else's
    /// post never handled on the poster's thread, back-pressure for a pump, a hand-off to the pool after a long run, and
    /// nothing accepted once closed. Inputs are told apart by their Gen.
    /// </summary>
    public class InputRouteTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
        private static Input In(int n) => new Input(InputKind.Watchdog, gen: n);

        [Fact]
        public async Task ConcurrentPostersAreHandledOneAtATimeEachInTheOrderItPosted()
        {
            const int posters = 4, each = 20000;
            var inside = 0;
            var overlaps = 0;
            var seen = new List<int>(posters * each);
            var last = new int[posters];
            var outOfOrder = 0;
            using var all = new CountdownEvent(posters * each);
            var route = new InputRoute(input =>
            {
                if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                var poster = input.Gen / each; var n = input.Gen % each;
                if (n != 0 && last[poster] != n - 1) outOfOrder++;
                last[poster] = n;
                seen.Add(input.Gen); // unsynchronised on purpose: only one thread may be here
                Interlocked.Decrement(ref inside);
                all.Signal();
            }, _ => { }, ex => throw ex);

            using var start = new Barrier(posters);
            var tasks = Enumerable.Range(0, posters).Select(p => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                // Two post as commands and timers do, two as receive pumps do (handled here when idle, then handed off).
                for (var i = 0; i < each; i++)
                    Assert.True(p % 2 == 0 ? route.Submit(In(p * each + i)) : route.SubmitWithRoomAsync(In(p * each + i), i % 2 == 0).AsTask().GetAwaiter().GetResult());
            }, TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(tasks).WaitAsync(Limit);
            Assert.True(all.Wait(Limit));

            Assert.Equal(0, route.Pending);
            Assert.Equal(0, overlaps);
            Assert.Equal(0, outOfOrder);
            Assert.Equal(posters * each, seen.Count);
            Assert.Equal(posters * each, seen.Distinct().Count());
        }

        [Fact]
        public void APumpHandlesItsMessageAtOnceAndAPostMadeWhileHandlingComesAfterTheHandlerOnTheSameThread()
        {
            var log = new List<string>();
            InputRoute? route = null;
            var threads = new HashSet<int>();
            route = new InputRoute(input =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                log.Add("enter " + input.Gen);
                if (input.Gen == 1) { route!.Submit(In(2)); Assert.True(route.SubmitWithRoomAsync(In(3), true).IsCompletedSuccessfully); }
                log.Add("exit " + input.Gen);
            }, _ => log.Add("idle"), ex => throw ex);

            Assert.True(route.SubmitWithRoomAsync(In(1), true).IsCompletedSuccessfully);

            // Handled before the pump's submit returned, on this thread, 2 and 3 after 1 and in their order.
            Assert.Equal(new[] { "enter 1", "exit 1", "enter 2", "exit 2", "enter 3", "exit 3", "idle" }, log);
            Assert.Equal(new[] { Environment.CurrentManagedThreadId }, threads);
            Assert.Equal(0, route.Pending);
        }

        [Fact]
        public async Task APostFromAnyoneButAPumpIsNeverHandledOnThePostersThread()
        {
            // A cmdlet posting a command (the pipeline thread) must not become the loop: Submit returns before the input is
            // handled, and the pool handles it. Were it handled inline, the handler would wait for an event this thread
            // sets only after Submit returned, and the test would fail on the thread check after the time limit.
            using var submitted = new ManualResetEventSlim(false);
            var handledOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var route = new InputRoute(input => { submitted.Wait(Limit); handledOn.TrySetResult(Environment.CurrentManagedThreadId); }, _ => { }, ex => throw ex);

            Assert.True(route.Submit(In(1)));
            submitted.Set();

            Assert.NotEqual(Environment.CurrentManagedThreadId, await handledOn.Task.WaitAsync(Limit));
        }

        [Fact]
        public async Task APumpsBurstIsHandedToThePoolEvenWhenTheLoopIsIdleSoThePumpGoesBackToItsSocket()
        {
            // A full batch while the socket has more (handleHere: false) is never handled on the pump's thread: the submit returns at
            // once and another thread handles it. Were it handled inline, the handler would wait for an event this thread
            // sets only after the submit returned, and the thread check would fail after the time limit.
            using var submitted = new ManualResetEventSlim(false);
            var handledOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var route = new InputRoute(input => { submitted.Wait(Limit); handledOn.TrySetResult(Environment.CurrentManagedThreadId); }, _ => { }, ex => throw ex);

            Assert.True(route.SubmitWithRoomAsync(Batch(ReceivePump.BatchSize), false).IsCompletedSuccessfully);
            Assert.Equal(ReceivePump.BatchSize, route.Pending); // counted by its messages
            submitted.Set();

            Assert.NotEqual(Environment.CurrentManagedThreadId, await handledOn.Task.WaitAsync(Limit));
        }

        [Fact]
        public async Task ABatchCountsAsItsMessagesAgainstTheCapacity()
        {
            // Back-pressure bounds messages, not inputs: batches of 32 fill the route 32 times as fast as single messages.
            using var hold = new ManualResetEventSlim(false);
            using var entered = new ManualResetEventSlim(false);
            using var idles = new SemaphoreSlim(0);
            var handled = 0;
            var route = new InputRoute(input =>
            {
                if (input.Kind == InputKind.Watchdog) { entered.Set(); hold.Wait(Limit); }
                else Interlocked.Add(ref handled, ((Transport.ReceivedMessage[])input.Arg!).Length);
            }, _ => idles.Release(), ex => throw ex);

            var busy = Task.Factory.StartNew(() => route.SubmitWithRoomAsync(In(0), true).AsTask(), TaskCreationOptions.LongRunning).Unwrap();
            Assert.True(entered.Wait(Limit));
            var fit = (InputRoute.Capacity - 1) / ReceivePump.BatchSize; // after the one in hand
            for (var i = 0; i < fit; i++) Assert.True(route.SubmitWithRoomAsync(Batch(ReceivePump.BatchSize), false).IsCompletedSuccessfully);
            var waits = route.SubmitWithRoomAsync(Batch(ReceivePump.BatchSize), false).AsTask();
            Assert.False(waits.IsCompleted);
            Assert.Equal(1 + (fit + 1) * ReceivePump.BatchSize, route.Pending);

            hold.Set();
            Assert.True(await waits.WaitAsync(Limit));
            await busy.WaitAsync(Limit);
            while (route.Pending != 0) Assert.True(idles.Wait(Limit)); // a thread stops at each hand-off and at the end
            Assert.Equal((fit + 1) * ReceivePump.BatchSize, Volatile.Read(ref handled));
            Assert.Equal(0, route.Pending);
        }

        private static Input Batch(int n) => new Input(InputKind.Messages, arg: new Transport.ReceivedMessage[n]);

        [Fact]
        public async Task APumpWaitsWhenMoreThanCapacityAreQueuedAndGoesOnAtHalf()
        {
            using var hold = new ManualResetEventSlim(false);
            using var entered = new ManualResetEventSlim(false);
            using var all = new CountdownEvent(InputRoute.Capacity + 1);
            var route = new InputRoute(input =>
            {
                if (input.Gen == 0) { entered.Set(); hold.Wait(Limit); } // the loop is busy with the first input
                all.Signal();
            }, _ => { }, ex => throw ex);

            var busy = Task.Factory.StartNew(() => route.SubmitWithRoomAsync(In(0), true).AsTask(), TaskCreationOptions.LongRunning).Unwrap();
            Assert.True(entered.Wait(Limit));
            // Capacity inputs counted (the one in hand and Capacity - 1 queued) go through; the next one waits for room.
            for (var i = 1; i < InputRoute.Capacity; i++) Assert.True(route.SubmitWithRoomAsync(In(i), true).IsCompletedSuccessfully);
            var waits = route.SubmitWithRoomAsync(In(InputRoute.Capacity), true).AsTask();
            Assert.False(waits.IsCompleted);
            Assert.Equal(InputRoute.Capacity + 1, route.Pending);

            hold.Set();
            Assert.True(await waits.WaitAsync(Limit));
            Assert.True(all.Wait(Limit));
            await busy.WaitAsync(Limit);
        }

        [Fact]
        public async Task AThreadHandsTheRestToThePoolAfterALongRunAndNothingIsLostOrReordered()
        {
            using var hold = new ManualResetEventSlim(false);
            using var entered = new ManualResetEventSlim(false);
            var total = InputRoute.HandOffAfter + 500;
            using var done = new CountdownEvent(total);
            var order = new ConcurrentQueue<(int Gen, int Thread)>();
            var route = new InputRoute(input =>
            {
                if (input.Gen == 0) { entered.Set(); hold.Wait(Limit); }
                order.Enqueue((input.Gen, Environment.CurrentManagedThreadId));
                done.Signal();
            }, _ => { }, ex => throw ex);

            var first = Task.Factory.StartNew(() => { Assert.True(route.SubmitWithRoomAsync(In(0), true).IsCompletedSuccessfully); return Environment.CurrentManagedThreadId; }, TaskCreationOptions.LongRunning);
            Assert.True(entered.Wait(Limit));
            for (var i = 1; i < total; i++) route.Submit(In(i));
            hold.Set();
            var firstThread = await first.WaitAsync(Limit);
            Assert.True(done.Wait(Limit));

            var all = order.ToArray();
            Assert.Equal(Enumerable.Range(0, total), all.Select(x => x.Gen));
            // The pump's thread handled the first HandOffAfter inputs, then went back to its socket; the pool did the rest.
            Assert.All(all.Take(InputRoute.HandOffAfter), x => Assert.Equal(firstThread, x.Thread));
            Assert.All(all.Skip(InputRoute.HandOffAfter), x => Assert.NotEqual(firstThread, x.Thread));
        }

        [Fact]
        public async Task OnceClosedNothingMoreIsAcceptedButWhatWasQueuedIsStillHandled()
        {
            using var hold = new ManualResetEventSlim(false);
            using var entered = new ManualResetEventSlim(false);
            var handled = new ConcurrentQueue<int>();
            var route = new InputRoute(input => { if (input.Gen == 0) { entered.Set(); hold.Wait(Limit); } handled.Enqueue(input.Gen); }, _ => { }, ex => throw ex);
            var busy = Task.Factory.StartNew(() => route.SubmitWithRoomAsync(In(0), true).AsTask(), TaskCreationOptions.LongRunning).Unwrap();
            Assert.True(entered.Wait(Limit));
            Assert.True(route.Submit(In(1)));

            route.Close();
            Assert.False(route.Submit(In(2)));
            Assert.False(await route.SubmitWithRoomAsync(In(3), true));
            hold.Set();
            await busy.WaitAsync(Limit); // the busy thread handled 1 too before it returned
            Assert.Equal(0, route.Pending);
            Assert.Equal(new[] { 0, 1 }, handled);
        }

        [Fact]
        public void AHandlerThatThrowsBreaksTheRouteOnceAndItAcceptsNothingMore()
        {
            var broken = new List<Exception>();
            var route = new InputRoute(input => { if (input.Gen == 1) throw new InvalidOperationException("bug"); }, _ => { }, broken.Add);

            Assert.True(route.SubmitWithRoomAsync(In(1), true).IsCompletedSuccessfully); // handled on this thread; does not throw onto it
            Assert.Single(broken);
            Assert.False(route.IsOpen);
            Assert.False(route.Submit(In(2)));
        }
    

        [Fact]
        public async Task IdleSaysWhetherTheThreadThatStopsHandlingIsAPumpsThatGoesOnReading()
        {
            // A pump wakes readers itself before it waits for its socket (Inbox.Flush); any other thread must wake them
            // when it stops handling, or items queued by a timer or a command would wait for the next frame.
            var idles = new ConcurrentQueue<bool>();
            using var idled = new SemaphoreSlim(0);
            var route = new InputRoute(_ => { }, pump => { idles.Enqueue(pump); idled.Release(); }, ex => throw ex);
            Assert.True((await route.SubmitWithRoomAsync(In(0), true).AsTask().WaitAsync(Limit)));
            Assert.Equal(new[] { true }, idles.ToArray());

            Assert.True(route.Submit(In(1)));
            Assert.True(await idled.WaitAsync(Limit)); // the pump's
            Assert.True(await idled.WaitAsync(Limit)); // the thread pool's
            Assert.Equal(new[] { true, false }, idles.ToArray());
        }
    }
}
