using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;

namespace C2WebSocket.Simulator;

/// <summary>The stream store: publishing (seq_id assignment, history), subscribe with replay and gap,
/// unsubscribe, pause/resume of live delivery, and the two stream controls for tests
/// (<see cref="RestartStream"/>, <see cref="PublishWithEnvelopeOverride"/>).</summary>
public sealed partial class C2Simulator
{
    private readonly ConcurrentDictionary<(string, long), SimulatorStream> _streams = new();
    private readonly SyntheticData _synthetic = new();
    private volatile bool _paused;

    internal byte[] BuildMessage(string msgType, long? seqId = null, string? requestId = null, Action<Utf8JsonWriter>? payload = null) =>
        Wire.Envelope(Options, msgType, Now, seqId, requestId, payload);

    private SimulatorStream GetStream(string channel, long strategyId) =>
        _streams.GetOrAdd((channel, strategyId), static k => new SimulatorStream(k.Item1, k.Item2));

    private static void CheckStream(string channel, long strategyId)
    {
        if (!Wire.IsDataChannel(channel))
            throw new ArgumentException($"channel must be '{Wire.Signal}' or '{Wire.Positions}'", nameof(channel));
        if (strategyId <= 0) throw new ArgumentOutOfRangeException(nameof(strategyId), "strategy id must be positive");
    }

    private Action<Utf8JsonWriter> SyntheticPayload(string channel, long strategyId, DateTimeOffset now) =>
        channel == Wire.Signal
            ? _synthetic.Signal(Options.Vocabulary, strategyId, now, Options.SyntheticPayloadBytes)
            : _synthetic.Position(Options.Vocabulary, strategyId, now);

    /// <summary>Publishes a strategy.signal (payload null -> synthetic signal in <see cref="SimulatorOptions.Vocabulary"/>).
    /// Returns its seq_id.</summary>
    public long PublishSignal(long strategyId, object? payload = null)
    {
        Action<Utf8JsonWriter> writer = payload is null
            ? SyntheticPayload(Wire.Signal, strategyId, Now)
            : w => Wire.WriteUserPayload(w, payload);
        Interlocked.Increment(ref StatsInternal.signalsPublished);
        return Publish(Wire.Signal, strategyId, writer);
    }

    /// <summary>Publishes a strategy.positions update (payload null -> synthetic in <see cref="SimulatorOptions.Vocabulary"/>).
    /// Returns its seq_id.</summary>
    public long PublishPosition(long strategyId, object? payload = null)
    {
        Action<Utf8JsonWriter> writer = payload is null
            ? SyntheticPayload(Wire.Positions, strategyId, Now)
            : w => Wire.WriteUserPayload(w, payload);
        Interlocked.Increment(ref StatsInternal.positionsPublished);
        return Publish(Wire.Positions, strategyId, writer);
    }

    /// <summary>Publishes <paramref name="count"/> synthetic signals in a burst; returns their seq_ids.</summary>
    public IReadOnlyList<long> PublishSignals(long strategyId, int count)
    {
        var seqs = new long[count];
        for (int i = 0; i < count; i++) seqs[i] = PublishSignal(strategyId);
        return seqs;
    }

    private long Publish(string channel, long strategyId, Action<Utf8JsonWriter> payload)
    {
        if (strategyId <= 0) throw new ArgumentOutOfRangeException(nameof(strategyId), "strategy id must be positive");
        var stream = GetStream(channel, strategyId);
        long seq;
        lock (stream.Gate)
        {
            seq = stream.LastSeq + 1;
            // Build inside the lock so the envelope timestamps follow seq order; a payload that fails to
            // serialize throws here and consumes no seq_id.
            var bytes = Wire.Envelope(Options, channel, Now, seq, null, payload, stream.Key);
            stream.AppendLocked(seq, bytes);
            Rest.Book.Record(channel, strategyId, bytes);
            if (!_paused) stream.DeliverPendingLocked();
            stream.TrimLocked(Options.MaxHistoryPerStream);
        }
        NotifyChanged();
        return seq;
    }

    /// <summary>Last seq_id assigned on a stream (0 when nothing was published since start or the last
    /// <see cref="RestartStream"/>).</summary>
    public long LastSeq(string channel, long strategyId) =>
        _streams.TryGetValue((channel, strategyId), out var s) ? Volatile.Read(ref s.LastSeq) : 0;

    /// <summary>Messages published on a stream over the simulator's life (not reset by <see cref="RestartStream"/>).</summary>
    public long PublishedCount(string channel, long strategyId)
    {
        if (!_streams.TryGetValue((channel, strategyId), out var s)) return 0;
        lock (s.Gate) return s.Published;
    }

    /// <summary>Messages of a stream kept for replay (see <see cref="SimulatorOptions.MaxHistoryPerStream"/>).</summary>
    public int HistoryCount(string channel, long strategyId)
    {
        if (!_streams.TryGetValue((channel, strategyId), out var s)) return 0;
        lock (s.Gate) return s.HistoryCount;
    }

    /// <summary>Models a backend restart that resets seq_ids: the stream's next seq_id is 1 and its history is
    /// forgotten (a resume_from above the new position replays nothing; messages held by
    /// <see cref="PausePublishing"/> on it are lost); live subscribers stay subscribed.</summary>
    public void RestartStream(string channel, long strategyId)
    {
        CheckStream(channel, strategyId);
        var stream = GetStream(channel, strategyId);
        lock (stream.Gate) stream.ResetLocked();
        Interlocked.Increment(ref StatsInternal.streamRestarts);
        NotifyChanged();
    }

    /// <summary>Sends the live subscribers of a stream one data message built like a normal one (synthetic payload,
    /// seq_id = the one the next publish will get) with the envelope field <paramref name="field"/> (msg_type, id,
    /// seq_id, timestamp, v, payload, ...) replaced by <paramref name="rawJsonValue"/> (raw JSON such as
    /// <c>"\"notanumber\""</c>, <c>12</c>, <c>null</c>, <c>{}</c>; C# null = leave the field out; a field the envelope
    /// lacks is added). Consumes no seq_id, is not stored in history and bypasses <see cref="PausePublishing"/>.
    /// Returns the number of connections it was queued for. Throws <see cref="ArgumentException"/> on invalid JSON.</summary>
    public int PublishWithEnvelopeOverride(string channel, long strategyId, string field, string? rawJsonValue)
    {
        CheckStream(channel, strategyId);
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (rawJsonValue is not null)
        {
            try { using var _ = JsonDocument.Parse(rawJsonValue); }
            catch (JsonException ex) { throw new ArgumentException("rawJsonValue is not one JSON value: " + ex.Message, nameof(rawJsonValue), ex); }
        }
        var stream = GetStream(channel, strategyId);
        var payload = SyntheticPayload(channel, strategyId, Now);
        int n;
        lock (stream.Gate)
        {
            var bytes = Wire.Envelope(Options, channel, Now, stream.LastSeq + 1, null, payload, stream.Key,
                new EnvelopeOverride(field, rawJsonValue));
            var subs = stream.Subscribers;
            foreach (var c in subs) c.Enqueue(bytes);
            n = subs.Length;
        }
        Interlocked.Increment(ref StatsInternal.envelopeOverridesSent);
        NotifyChanged();
        return n;
    }

    /// <summary>While paused, published messages get a seq_id and go into history (replayable up to the
    /// last delivered one) but reach live subscribers only after <see cref="ResumePublishing"/>, in order.</summary>
    public void PausePublishing() => _paused = true;

    public void ResumePublishing()
    {
        _paused = false;
        foreach (var stream in _streams.Values)
            lock (stream.Gate) stream.DeliverPendingLocked();
        NotifyChanged();
    }

    internal void Subscribe(SimulatorConnection conn, SimulatorSubscription sub, long resumeFrom, string? requestId)
    {
        var stream = GetStream(sub.Channel, sub.StrategyId);
        lock (stream.Gate)
        {
            // Everything below is enqueued under the stream lock, so a concurrent publish lands after the
            // ack and the replay: no loss and no duplicate between replay and live.
            if (conn.AddSubscription(sub)) stream.AddSubscriber(conn);
            conn.Enqueue(BuildAck("subscribe", sub, requestId));
            if (sub.Channel == Wire.Signal && resumeFrom > 0) ReplayLocked(conn, stream, resumeFrom);
        }
        Interlocked.Increment(ref StatsInternal.subscribes);
        NotifyChanged();
    }

    /// <summary>Up to <see cref="SimulatorOptions.ReplayLimit"/> signals with seq_id &gt; resumeFrom, then a gap
    /// when some could not be replayed (over the limit, or older than the kept history). Below the
    /// <see cref="SimulatorOptions.ReplayRetention"/> the replay starts at the oldest signal held, with a gap first
    /// when <see cref="SimulatorOptions.BelowRetention"/> says so, and a gap after it only for the limit.</summary>
    private void ReplayLocked(SimulatorConnection conn, SimulatorStream stream, long resumeFrom)
    {
        long upTo = stream.DeliveredSeq; // paused-but-undelivered messages come live on resume
        long missed = upTo - resumeFrom;
        if (missed <= 0) return;
        int limit = Math.Max(0, Options.ReplayLimit);
        long kept = stream.HistoryBase + 1;                         // older ones may be trimmed (MaxHistoryPerStream)
        int retention = Options.ReplayRetention;
        long held = retention > 0 ? Math.Max(kept, stream.LastSeq - retention + 1) : kept;
        bool belowRetention = retention > 0 && resumeFrom + 1 < stream.LastSeq - retention + 1;
        if (belowRetention)
        {
            Interlocked.Increment(ref StatsInternal.retentionHoles);
            if (Options.BelowRetention == RetentionHoleReply.GapFirst)
                SendGap(conn, stream, resumeFrom, $"Signals before seq_id {held} are no longer held");
        }
        long first = Math.Max(resumeFrom + 1, held);
        long n = Math.Max(0, Math.Min(upTo - first + 1, limit));
        for (long s = first; s < first + n; s++)
            conn.Enqueue(stream.Get(s));
        Interlocked.Add(ref StatsInternal.replayedMessages, n);
        // Below the retention the gap after the replay is the limit's only; a trimmed history keeps its old rule.
        if (belowRetention ? upTo - first + 1 > n : missed > n)
            SendGap(conn, stream, resumeFrom, $"Replay limit of {limit} messages exceeded");
    }

    private void SendGap(SimulatorConnection conn, SimulatorStream stream, long resumeFrom, string message)
    {
        Interlocked.Increment(ref StatsInternal.gapsSent);
        conn.Enqueue(BuildMessage("gap", payload: Wire.GapPayload(stream.Key.StrategyId, resumeFrom, message)));
    }

    internal void Unsubscribe(SimulatorConnection conn, SimulatorSubscription sub, string? requestId)
    {
        var stream = GetStream(sub.Channel, sub.StrategyId);
        lock (stream.Gate)
        {
            if (conn.RemoveSubscription(sub)) stream.RemoveSubscriber(conn);
            // The reply to an unsubscribe is undocumented: AckUnsubscribe = false plays "no reply".
            if (Options.AckUnsubscribe) conn.Enqueue(BuildAck("unsubscribe", sub, requestId));
        }
        Interlocked.Increment(ref StatsInternal.unsubscribes);
        NotifyChanged();
    }

    private void RemoveSubscriber(SimulatorSubscription sub, SimulatorConnection conn)
    {
        var stream = GetStream(sub.Channel, sub.StrategyId);
        lock (stream.Gate) stream.RemoveSubscriber(conn);
    }

    private byte[] BuildAck(string action, SimulatorSubscription sub, string? requestId) =>
        BuildMessage("subscription.ack", requestId: requestId,
            payload: Wire.AckPayload(Options.AckPayload, action, sub.Channel, sub.StrategyId));
}
