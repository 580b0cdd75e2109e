using System;
using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Simulator;

/// <summary>The connection's pumps: the serialized sender, the receive loop (frame assembly, size cap,
/// close echo) and the heartbeat loop with the missed-ack close.</summary>
public sealed partial class SimulatorConnection
{
    private async Task SendLoopAsync()
    {
        var ct = _lifetime.Token;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (_sim.IsFrozen) await _sim.WaitUnfrozenAsync(ct).ConfigureAwait(false);
                    if (_urgentClose is { } uc)
                    {
                        item.Done?.TrySetResult();
                        await CloseOutputAsync(uc.Status, uc.Description, ct).ConfigureAwait(false);
                        return;
                    }
                    switch (item.Kind)
                    {
                        case OutKind.Wakeup:
                            break;
                        case OutKind.Close:
                            await CloseOutputAsync(item.CloseStatus, item.CloseDescription, ct).ConfigureAwait(false);
                            item.Done?.TrySetResult();
                            return;
                        default:
                            await SendOneAsync(item, ct).ConfigureAwait(false);
                            item.Done?.TrySetResult();
                            break;
                    }
                }
            }
        }
        catch (Exception)
        {
            // socket gone / cancelled: the receive loop will notice and clean up
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (reader.TryRead(out var left)) left.Done?.TrySetResult();
            _closeSent.TrySetResult();
            try { _receiveCts.CancelAfter(TimeSpan.FromSeconds(2)); } catch (ObjectDisposedException) { }
        }
    }

    private async Task SendOneAsync(OutItem item, CancellationToken ct)
    {
        var data = item.Data!;
        var type = item.Kind == OutKind.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        if (item.Kind == OutKind.Heartbeat) _sim.Options.HeartbeatObserver?.Invoke(Id, false, Stopwatch.GetTimestamp());
        if (item.FragmentSize > 0 && data.Length > item.FragmentSize)
        {
            for (int off = 0; off < data.Length; off += item.FragmentSize)
            {
                int len = Math.Min(item.FragmentSize, data.Length - off);
                await _ws.SendAsync(data.AsMemory(off, len), type, off + len >= data.Length, ct).ConfigureAwait(false);
            }
        }
        else
        {
            await _ws.SendAsync(data.AsMemory(), type, true, ct).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _sim.StatsInternal.messagesSent);
        if (item.Kind == OutKind.Heartbeat)
        {
            Interlocked.CompareExchange(ref _unackedHeartbeatSent, Stopwatch.GetTimestamp(), 0);
            Interlocked.Increment(ref _sim.StatsInternal.heartbeatsSent);
        }
        _sim.NotifyChanged();
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string? description, CancellationToken ct)
    {
        try
        {
            if (_ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _ws.CloseOutputAsync(status, description, ct).ConfigureAwait(false);
        }
        finally
        {
            _closeSent.TrySetResult();
            // If the client never answers the close frame, abort the socket after 2 s.
            try { _receiveCts.CancelAfter(TimeSpan.FromSeconds(2)); } catch (ObjectDisposedException) { }
        }
    }


    private async Task ReceiveLoopAsync()
    {
        var ct = _receiveCts.Token;
        var buffer = new byte[16 * 1024];
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        bool tooBig = false;
        while (true)
        {
            var r = await _ws.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                // Echo the client's close (while frozen nothing is sent: wait for unfreeze or abort).
                if (_sim.IsFrozen) await _sim.WaitUnfrozenAsync(_lifetime.Token).ConfigureAwait(false);
                var status = _ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                await CloseOrderedAsync(status, _ws.CloseStatusDescription).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                return;
            }
            if (!tooBig)
            {
                if (message.WrittenCount + r.Count > _sim.Options.MaxClientMessageBytes) tooBig = true;
                else message.Write(buffer.AsSpan(0, r.Count));
            }
            if (!r.EndOfMessage) continue;
            if (tooBig)
            {
                Interlocked.Increment(ref _sim.StatsInternal.invalidClientMessages);
                CloseUrgent(WebSocketCloseStatus.MessageTooBig, "message too big");
                await _closeSent.Task.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                continue; // wait for the client's close reply (or the 2 s abort)
            }
            if (!_sim.IsFrozen) // frozen: input is ignored entirely
            {
                try { HandleClientMessage(message.WrittenSpan, r.MessageType); }
                catch (Exception) { /* never let a bad message kill the loop */ }
            }
            message.ResetWrittenCount();
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        var ct = _lifetime.Token;
        long baseline = Stopwatch.GetTimestamp();
        long nextHeartbeat = baseline + ToTicks(_sim.Options.HeartbeatInterval);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var interval = _sim.Options.HeartbeatInterval;
                var grace = _sim.Options.HeartbeatGrace;
                var tick = TimeSpan.FromTicks(Math.Min(interval.Ticks, Math.Max(grace.Ticks, 1)) / 4);
                if (tick < TimeSpan.FromMilliseconds(5)) tick = TimeSpan.FromMilliseconds(5);
                if (tick > TimeSpan.FromSeconds(1)) tick = TimeSpan.FromSeconds(1);
                await Task.Delay(tick, ct).ConfigureAwait(false);

                long now = Stopwatch.GetTimestamp();
                if (_sim.IsFrozen || !_sim.HeartbeatsEnabled)
                {
                    // No heartbeats asked for -> no ack expected; the deadline restarts when they resume.
                    baseline = now;
                    nextHeartbeat = now + ToTicks(interval);
                    Interlocked.Exchange(ref _unackedHeartbeatSent, 0);
                    continue;
                }
                if (now >= nextHeartbeat)
                {
                    Enqueue(_sim.BuildMessage("heartbeat"), OutKind.Heartbeat);
                    nextHeartbeat += ToTicks(interval);
                    if (nextHeartbeat <= now) nextHeartbeat = now + ToTicks(interval);
                }
                // Close when Interval + Grace passed since the last ack (or connect/resume) AND the client had a
                // fair chance: a heartbeat was actually written at least Grace ago and is still unacked
                // (keeps the rule exact for a silent client, yet robust to a late timer on a busy machine).
                long since = Math.Max(baseline, Interlocked.Read(ref _lastAckTimestamp));
                long unacked = Interlocked.Read(ref _unackedHeartbeatSent);
                if (now - since > ToTicks(interval + grace) && unacked != 0 && now - unacked > ToTicks(grace))
                {
                    Interlocked.Increment(ref _sim.StatsInternal.connectionsClosedForMissedAck);
                    CloseUrgent(_sim.Options.HeartbeatTimeoutCloseStatus, "heartbeat timeout");
                    _sim.NotifyChanged();
                    return;
                }
            }
        }
        catch (Exception)
        {
            // cancelled at connection end
        }
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
}
