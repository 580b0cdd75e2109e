using System;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// How a reader sleeps until any of its sessions has something: registered with each inbox it reads, so
    /// reading several sessions waits on all of them at once (no polling).
    /// </summary>
    internal sealed class InboxWaiter : IDisposable
    {
        // No spin before sleeping (SemaphoreSlim spins and yields first): a wake-up comes once per batch of items, and a
        // reader spinning on two cores takes the core the loop that feeds it needs.
        private readonly ManualResetEventSlim _signal = new ManualResetEventSlim(false, 0);
        private int _armed;

        /// <summary>Call before the last look into the inboxes; a Signal after it wakes the next Wait. A full fence: the
        /// look that follows cannot be read before the signaller can see the reader armed.</summary>
        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public void Disarm() => Volatile.Write(ref _armed, 0);

        /// <summary>The reader found nothing and is about to sleep, or sleeps, until it is signalled.</summary>
        public bool IsWaiting => Volatile.Read(ref _armed) == 1;

        /// <summary>Wakes the reader if it is about to sleep. Called for every batch of items added (Inbox.Flush), so the
        /// usual case (the reader awake, not armed) is a plain read: no interlocked write to the line the reader owns. The
        /// flush's interlocked exchange, just before, is a full fence, so an Arm that this read misses comes before the
        /// reader's look into the inbox.</summary>
        public void Signal()
        {
            if (Volatile.Read(ref _armed) == 1 && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                try { _signal.Set(); } catch (ObjectDisposedException) { }
            }
        }

        /// <summary>Waits for a signal (true), the timeout or cancellation (false).</summary>
        public bool Wait(TimeSpan timeout, CancellationToken cancel)
        {
            try { if (!_signal.Wait(timeout, cancel)) return false; _signal.Reset(); return true; }
            catch (OperationCanceledException) { return false; }
            finally { Volatile.Write(ref _armed, 0); }
        }

        /// <summary>The same, for async callers (tests): waits on a thread of its own, never a thread-pool thread.</summary>
        public System.Threading.Tasks.Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel) =>
            System.Threading.Tasks.Task.Factory.StartNew(() => Wait(timeout, cancel), CancellationToken.None,
                System.Threading.Tasks.TaskCreationOptions.LongRunning, System.Threading.Tasks.TaskScheduler.Default);

        public void Dispose() => _signal.Dispose();
    }
}
