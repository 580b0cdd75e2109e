using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// Drains a session on a dedicated thread (as Receive-C2Signal does on the pipeline thread), recording the
    /// delivered seq_ids per strategy in order, and marking each processed (which advances the checkpoint).
    /// </summary>
    internal sealed class Consumer : IDisposable
    {
        private readonly C2Session _session;
        private readonly Thread _thread;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly object _gate = new object();
        private readonly Dictionary<long, List<long>> _seen = new Dictionary<long, List<long>>();
        private readonly List<C2DeliveryGap> _gaps = new List<C2DeliveryGap>();
        private readonly Action<C2StreamMessage>? _onMessage;
        private int _count;

        public Consumer(C2Session session, Action<C2StreamMessage>? onMessage = null)
        {
            _session = session;
            _onMessage = onMessage;
            _thread = new Thread(Run) { IsBackground = true, Name = "consumer " + session.Id };
            _thread.Start();
        }

        public int Count => Volatile.Read(ref _count);

        private void Run()
        {
            using var reader = new InboxReader(new[] { _session });
            {
                while (!_stop.IsCancellationRequested)
                {
                    if (!reader.TryTake(null, TimeSpan.FromMilliseconds(200), _stop.Token, out _, out var taken)) continue;
                    if (taken.Item is PositionMarker marker) { _session.MarkPosition(marker); continue; }
                    var m = taken.Item as C2StreamMessage;
                    lock (_gate)
                    {
                        if (taken.Item is C2DeliveryGap gap) { _gaps.Add(gap); continue; }
                        if (!_seen.TryGetValue(m!.StrategyId ?? -1, out var list)) _seen[m.StrategyId ?? -1] = list = new List<long>();
                        list.Add(m.SeqId ?? -1);
                    }
                    _onMessage?.Invoke(m!);
                    _session.MarkProcessed(m!);
                    Interlocked.Increment(ref _count);
                }
            }
        }

        public Dictionary<long, List<long>> Seen()
        {
            lock (_gate)
            {
                var copy = new Dictionary<long, List<long>>();
                foreach (var kv in _seen) copy[kv.Key] = new List<long>(kv.Value);
                return copy;
            }
        }

        public List<C2DeliveryGap> Gaps() { lock (_gate) return new List<C2DeliveryGap>(_gaps); }

        public async Task UntilAsync(int count, TimeSpan timeout, Func<string>? describe = null)
        {
            try { await Sim.UntilAsync(_session, () => Count >= count, "the consumer to have " + count + " messages", timeout); }
            catch (TimeoutException ex) { throw new TimeoutException(ex.Message + " (has " + Count + ")" + (describe != null ? ": " + describe() : ""), ex); }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}
