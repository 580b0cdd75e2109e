using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>Why a range of messages could not be delivered (the TargetObject of the ErrorRecord).</summary>
    public enum C2DeliveryProblem
    {
        /// <summary>The server's <c>gap</c> message: more than 1000 signals were missed; the rest must come from REST.</summary>
        ReplayLimitExceeded,
        /// <summary>The inbox was full. Signals are fetched again with resume_from; position updates are lost.</summary>
        InboxOverflow,
        /// <summary>A subscription could not be restored after a reconnect.</summary>
        ResubscribeFailed,
    }

    /// <summary>A range of messages that did not reach the pipeline, reported in order with the stream.</summary>
    public sealed class C2DeliveryGap
    {
        internal C2DeliveryGap(int sessionId, C2DeliveryProblem problem, string channel, long? strategyId, long? afterSeqId, string message)
        {
            SessionId = sessionId; Problem = problem; Channel = channel; StrategyId = strategyId; AfterSeqId = afterSeqId; Message = message;
        }
        public int SessionId { get; }
        public C2DeliveryProblem Problem { get; }
        public string Channel { get; }
        public long? StrategyId { get; }
        /// <summary>The missing messages have a seq_id greater than this (the last one delivered).</summary>
        public long? AfterSeqId { get; }
        /// <summary>...and smaller than this: the first seq_id delivered after the gap, once known.</summary>
        public long? BeforeSeqId { get; internal set; }
        /// <summary>How many messages are known to be affected, when the client could count them.</summary>
        public long? Count { get; internal set; }
        /// <summary>Whether the module recovers the range by itself (inbox overflow of strategy.signal).</summary>
        public bool Recovering { get; internal set; }
        /// <summary>What the server said, verbatim, when it said something.</summary>
        public string? ServerMessage { get; internal set; }
        public string Message { get; internal set; }

        public string Range
        {
            get
            {
                var lo = AfterSeqId.HasValue ? "seq_id > " + AfterSeqId.Value : "seq_id from the start";
                var hi = BeforeSeqId.HasValue ? " and < " + BeforeSeqId.Value : " (upper bound not yet known: up to the next delivered message)";
                return lo + hi;
            }
        }

        public override string ToString() => Problem + " " + Channel + ":" + StrategyId + " " + Range;
    }

    internal sealed class InboxItem
    {
        public InboxItem(C2StreamMessage message) { Message = message; Channel = message.Channel; StrategyId = message.StrategyId; }
        public InboxItem(C2DeliveryGap gap) { Gap = gap; Channel = gap.Channel; StrategyId = gap.StrategyId; }
        public C2StreamMessage? Message { get; }
        public C2DeliveryGap? Gap { get; }
        public string Channel { get; }
        public long? StrategyId { get; }
    }

    /// <summary>
    /// The bounded queue between the receive loop and Receive-C2Signal. Adding never blocks (the receive loop
    /// must stay free to answer heartbeats); a full inbox refuses data and the session decides what that means.
    /// Gap notices are always accepted so a problem is never silent. Items a filtered reader does not want stay
    /// queued for the next reader.
    /// </summary>
    internal sealed class Inbox
    {
        private readonly LinkedList<InboxItem> _items = new LinkedList<InboxItem>();
        private readonly object _gate = new object();
        private int _dataCount;
        private int _count;      // items of any kind, readable without the lock (a hint for spinning readers)
        private int _waiting;    // readers blocked in Monitor.Wait: adders pulse only when there are some
        private bool _completed;

        public Inbox(int capacity) { Capacity = capacity; }

        public int Capacity { get; }
        public int DataCount { get { lock (_gate) return _dataCount; } }

        public bool TryAdd(InboxItem item)
        {
            lock (_gate)
            {
                if (_dataCount >= Capacity) return false;
                _items.AddLast(item);
                _dataCount++;
                _count++;
                if (_waiting > 0) Monitor.PulseAll(_gate);
                return true;
            }
        }

        public void AddNotice(InboxItem item)
        {
            lock (_gate)
            {
                _items.AddLast(item);
                _count++;
                if (_waiting > 0) Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Puts back an item a reader took but could not deliver (the pipeline stopped while writing it).</summary>
        public void Requeue(InboxItem item)
        {
            lock (_gate)
            {
                _items.AddFirst(item);
                if (item.Message != null) _dataCount++;
                _count++;
                if (_waiting > 0) Monitor.PulseAll(_gate);
            }
        }

        /// <summary>No more items will come (the session ended); waiting readers return.</summary>
        public void Complete()
        {
            lock (_gate) { _completed = true; Monitor.PulseAll(_gate); }
        }

        public bool IsCompleted { get { lock (_gate) return _completed; } }

        public void Wake()
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }

        /// <summary>
        /// Takes the oldest item the filter accepts, waiting up to <paramref name="wait"/>. Returns null on
        /// timeout, cancellation, or when the inbox is completed and holds nothing the filter accepts.
        /// </summary>
        public InboxItem? Take(Func<InboxItem, bool>? filter, TimeSpan wait, CancellationToken cancel)
        {
            var deadline = DateTime.UtcNow + wait;
            var spun = false;
            while (true)
            {
                lock (_gate)
                {
                    for (var node = _items.First; node != null; node = node.Next)
                    {
                        if (filter == null || filter(node.Value))
                        {
                            _items.Remove(node);
                            _count--;
                            if (node.Value.Message != null) _dataCount--;
                            return node.Value;
                        }
                    }
                    if (_completed || cancel.IsCancellationRequested) return null;
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) return null;
                    if (spun || filter != null)
                    {
                        // Bounded slices so a cancellation that raced the pulse is still seen promptly.
                        _waiting++;
                        try { Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250)); }
                        finally { _waiting--; }
                        continue;
                    }
                }
                // In a burst the next message is microseconds away: spin briefly (outside the lock) before
                // paying for a sleep and a wake-up per message.
                spun = true;
                var spinner = new SpinWait();
                var before = Volatile.Read(ref _count);
                while (spinner.Count < 20 && Volatile.Read(ref _count) == before && !cancel.IsCancellationRequested) spinner.SpinOnce();
            }
        }
    }

    internal enum DiagnosticKind { Verbose, Debug, Warning, Error }

    /// <summary>Something background code wants the user to see; written by a cmdlet on the pipeline thread.</summary>
    internal sealed class Diagnostic
    {
        public Diagnostic(DiagnosticKind kind, string text) { Kind = kind; Text = text; At = DateTimeOffset.UtcNow; }
        public DiagnosticKind Kind { get; }
        public string Text { get; }
        public DateTimeOffset At { get; }
        public string? ErrorId { get; set; }
        public ErrorCategory Category { get; set; }
        public Exception? Exception { get; set; }
        public object? Target { get; set; }
    }
}
