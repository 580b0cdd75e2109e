using System;
using System.Collections.Generic;
using System.Linq;

namespace C2WebSocket.Simulator;

/// <summary>One (channel, strategy) stream: its seq counter, the history kept for replay, and its live
/// subscribers. Every member except the subscriber snapshot is guarded by <see cref="Gate"/>.</summary>
internal sealed class SimulatorStream
{
    public readonly StreamKey Key;
    public readonly object Gate = new();
    private readonly List<byte[]> _history = new(); // _history[i] has seq_id HistoryBase + i + 1
    public long HistoryBase;                        // seq_ids <= HistoryBase were trimmed (or forgotten by a restart)
    public long LastSeq;                            // last assigned
    public long DeliveredSeq;                       // last handed to live subscribers
    public long Published;                          // messages published over the simulator's life (restarts included)
    private SimulatorConnection[] _subscribers = Array.Empty<SimulatorConnection>();

    public SimulatorStream(string channel, long strategyId) => Key = new StreamKey(channel, strategyId);

    public int HistoryCount => _history.Count;
    public SimulatorConnection[] Subscribers => _subscribers;

    public byte[] Get(long seq) => _history[(int)(seq - HistoryBase - 1)];

    public void AppendLocked(long seq, byte[] message)
    {
        _history.Add(message);
        LastSeq = seq;
        Published++;
    }

    /// <summary>Drops the oldest delivered messages (10% extra at once) when over <paramref name="max"/>.</summary>
    public void TrimLocked(int max)
    {
        if (max <= 0 || _history.Count <= max) return;
        long drop = Math.Min(_history.Count - max + max / 10, DeliveredSeq - HistoryBase);
        if (drop <= 0) return;
        _history.RemoveRange(0, (int)drop);
        HistoryBase += drop;
    }

    /// <summary>A backend restart: the next seq_id is 1, the history (and anything held by a pause) is gone;
    /// subscribers stay.</summary>
    public void ResetLocked()
    {
        _history.Clear();
        HistoryBase = 0;
        LastSeq = 0;
        DeliveredSeq = 0;
    }

    public void AddSubscriber(SimulatorConnection c) => _subscribers = _subscribers.Append(c).ToArray();
    public void RemoveSubscriber(SimulatorConnection c) => _subscribers = _subscribers.Where(x => x != c).ToArray();

    public void DeliverPendingLocked()
    {
        var subs = _subscribers;
        for (long s = DeliveredSeq + 1; s <= LastSeq; s++)
        {
            var bytes = Get(s);
            foreach (var c in subs) c.Enqueue(bytes);
        }
        DeliveredSeq = LastSeq;
    }
}
