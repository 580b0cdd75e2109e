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
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0, 1);
        private int _armed;

        /// <summary>Call before the last look into the inboxes; a Signal after it wakes the next Wait.</summary>
        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Disarm() => Volatile.Write(ref _armed, 0);

        /// <summary>Wakes the reader if it is about to sleep. Called after every item added, so the usual case (the reader
        /// awake, not armed) is a plain read: no interlocked write to the line the reader owns. The inbox's lock, released
        /// just before, is a full fence, so an Arm that this read misses comes before the reader's look into the inbox.</summary>
        public void Signal()
        {
            if (Volatile.Read(ref _armed) == 1 && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                try { _signal.Release(); } catch (SemaphoreFullException) { } catch (ObjectDisposedException) { }
            }
        }

        /// <summary>Waits for a signal (true), the timeout or cancellation (false).</summary>
        public bool Wait(TimeSpan timeout, CancellationToken cancel)
        {
            try { return _signal.Wait(timeout, cancel); }
            catch (OperationCanceledException) { return false; }
            finally { Volatile.Write(ref _armed, 0); }
        }

        /// <summary>The same, for async callers (tests) that must not block a thread-pool thread.</summary>
        public async System.Threading.Tasks.Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel)
        {
            try { return await _signal.WaitAsync(timeout, cancel).ConfigureAwait(false); }
            catch (OperationCanceledException) { return false; }
            finally { Volatile.Write(ref _armed, 0); }
        }

        public void Dispose() => _signal.Dispose();
    }
}
