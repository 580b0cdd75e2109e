using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Simulator;

/// <summary>What tests observe: live connections, the client messages received, and waiting on a condition
/// re-evaluated on every state change.</summary>
public sealed partial class C2Simulator
{
    private readonly ConcurrentDictionary<int, List<string>> _clientMessages = new();
    private TaskCompletionSource _changed = NewTcs();
    private int _waiters;

    public IReadOnlyList<SimulatorConnection> Connections => _connections.Values.OrderBy(c => c.Id).ToArray();

    /// <summary>Raw JSON text of every client message received on a connection (kept after it closes).</summary>
    public IReadOnlyList<string> ReceivedClientMessages(int connectionId)
    {
        if (!_clientMessages.TryGetValue(connectionId, out var list)) return Array.Empty<string>();
        lock (list) return list.ToArray();
    }

    internal void RecordClientMessage(int connectionId, string text)
    {
        if (!_clientMessages.TryGetValue(connectionId, out var list)) return;
        lock (list) if (list.Count < 100_000) list.Add(text);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; re-evaluated on every state change (and at
    /// least every 50 ms). Throws <see cref="TimeoutException"/> naming the stats when it does not.</summary>
    public async Task WaitForAsync(Func<C2Simulator, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Interlocked.Increment(ref _waiters);
        try
        {
            while (true)
            {
                var signal = Volatile.Read(ref _changed).Task;
                if (condition(this)) return;
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                    throw new TimeoutException($"C2Simulator.WaitForAsync: condition not met within {timeout.TotalMilliseconds:0} ms. " +
                        $"Stats: {Stats}; live connections: {_connections.Count}");
                await Task.WhenAny(signal, Task.Delay(remaining < TimeSpan.FromMilliseconds(50) ? remaining : TimeSpan.FromMilliseconds(50))).ConfigureAwait(false);
            }
        }
        finally { Interlocked.Decrement(ref _waiters); }
    }

    internal void NotifyChanged()
    {
        if (Volatile.Read(ref _waiters) == 0) return;
        Interlocked.Exchange(ref _changed, NewTcs()).TrySetResult();
    }

    private static TaskCompletionSource NewTcs() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
