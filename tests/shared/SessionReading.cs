using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

// Compiled into both test projects (tests/unit and tests/integration): reading a session as Receive-C2Signal does.
namespace C2WebSocket.Tests
{
    /// <summary>What a reader took from a session's inbox: a message or a typed loss report.</summary>
    public sealed class InboxItem
    {
        internal InboxItem(object item) { Message = item as C2StreamMessage; Gap = item as C2DeliveryGap; }
        public C2StreamMessage? Message { get; }
        public C2DeliveryGap? Gap { get; }
        public override string ToString() => Message?.ToString() ?? Gap?.ToString() ?? "?";
    }

    /// <summary>Reading a session's inbox as Receive-C2Signal does, and waiting for its state.</summary>
    internal static partial class Sim
    {
        public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

        public static SecureString Secure(string s) => C2WebSocket.Commands.SecureText.From(s);

        /// <summary>
        /// Takes the next inbox item (position markers are applied to the checkpoint, as Receive-C2Signal does),
        /// waiting for it without blocking a thread-pool thread (test bodies run on the pool; a blocked pool thread
        /// on a 2-core machine starves the simulator and the client alike).
        /// </summary>
        public static async Task<InboxItem> NextItemAsync(C2Session s, TimeSpan? timeout = null, Func<StreamKey, bool>? filter = null)
        {
            var limit = timeout ?? Wait;
            var deadline = DateTime.UtcNow + limit;
            using var waiter = new InboxWaiter();
            s.Inbox.Register(waiter);
            try
            {
                while (true)
                {
                    if (TryTake(s, filter, out var item)) return item!;
                    waiter.Arm();
                    if (TryTake(s, filter, out item)) { waiter.Disarm(); return item!; }
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !await waiter.WaitAsync(left, CancellationToken.None))
                        if (!TryTake(s, filter, out item)) throw new TimeoutException("No message arrived within " + limit + " (inbox " + s.InboxCount + ", state " + s.State + ").");
                        else return item!;
                }
            }
            finally
            {
                s.Inbox.Unregister(waiter);
            }
        }

        private static bool TryTake(C2Session s, Func<StreamKey, bool>? filter, out InboxItem? item)
        {
            while (s.Inbox.TryTake(filter, out var taken))
            {
                if (taken.Item is PositionMarker marker) { s.MarkPosition(marker); continue; }
                item = new InboxItem(taken.Item);
                return true;
            }
            item = null;
            return false;
        }

        /// <summary>The next data message, marked processed (as Receive-C2Signal does after WriteObject).</summary>
        public static async Task<C2StreamMessage> NextAsync(C2Session s, TimeSpan? timeout = null, Func<StreamKey, bool>? filter = null)
        {
            var item = await NextItemAsync(s, timeout, filter);
            if (item.Message == null) throw new Xunit.Sdk.XunitException("Expected a message, got a notice: " + item.Gap + " — " + item.Gap?.Message);
            s.MarkProcessed(item.Message);
            return item.Message;
        }

        /// <summary>Waits for a condition of the session's state: re-checked each time the session loop has handled input.</summary>
        public static async Task UntilAsync(C2Session s, Func<bool> condition, string what, TimeSpan? timeout = null)
        {
            var signal = new SemaphoreSlim(0);
            Action onProgress = () => { try { signal.Release(); } catch (ObjectDisposedException) { } };
            s.Progress += onProgress;
            try
            {
                var deadline = DateTime.UtcNow + (timeout ?? Wait);
                while (!condition())
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) throw new TimeoutException("Timed out waiting for: " + what);
                    // The bound re-checks conditions the loop does not signal (the reader's side), at most every 100 ms.
                    await signal.WaitAsync(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
                }
            }
            finally
            {
                s.Progress -= onProgress;
            }
        }
    }
}
