using System;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Simulator;

/// <summary>Fault injection on live connections: drop, ordered close, heartbeat stop, half-open freeze,
/// raw/binary/fragmented frames. (Handshake faults live with the handshake gate; pausing delivery and the
/// stream controls live with the stream store.)</summary>
public sealed partial class C2Simulator
{
    private volatile bool _frozen;
    private volatile bool _heartbeatsEnabled = true;
    private TaskCompletionSource _unfrozen = NewTcs();

    internal bool IsFrozen => _frozen;
    internal bool HeartbeatsEnabled => _heartbeatsEnabled;

    /// <summary>Aborts every socket without a close frame.</summary>
    public void DropAllConnections()
    {
        foreach (var c in _connections.Values) c.Abort();
        NotifyChanged();
    }

    /// <summary>Closes every connection with the given status after its queued messages; completes when
    /// the close frames were sent (at most ~5 s).</summary>
    public async Task CloseAllAsync(WebSocketCloseStatus status, string? description = null)
    {
        var tasks = _connections.Values.Select(c => c.CloseOrderedAsync(status, description)).ToArray();
        try { await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (TimeoutException) { }
        NotifyChanged();
    }

    /// <summary>Stops sending heartbeats (and stops expecting acks; the ack deadline restarts on <see cref="StartHeartbeats"/>).</summary>
    public void StopHeartbeats() => _heartbeatsEnabled = false;
    public void StartHeartbeats() => _heartbeatsEnabled = true;

    /// <summary>Half-open simulation: sockets stay open, nothing is sent (messages are held in the
    /// per-connection queues and flow again after <see cref="Unfreeze"/>), client input is ignored
    /// (not recorded, not answered), and no connection is closed for missed acks.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            if (_frozen) return;
            _unfrozen = NewTcs();
            _frozen = true;
        }
    }

    public void Unfreeze()
    {
        TaskCompletionSource tcs;
        lock (_gate)
        {
            _frozen = false;
            tcs = _unfrozen;
        }
        tcs.TrySetResult();
        NotifyChanged();
    }

    internal Task WaitUnfrozenAsync(CancellationToken ct)
    {
        Task t;
        lock (_gate) t = _frozen ? _unfrozen.Task : Task.CompletedTask;
        return t.WaitAsync(ct);
    }

    /// <summary>Sends an arbitrary text message to every connection (hostile tests). Returns the text.</summary>
    public string PublishRawToAll(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var c in _connections.Values) c.Enqueue(bytes);
        return text;
    }

    /// <summary>Sends raw bytes (UTF-8 of <paramref name="text"/>) to every connection, as a text or binary
    /// frame; completes when every connection has sent it (or is gone).</summary>
    public Task SendRawAsync(string text, bool binary = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Task.WhenAll(_connections.Values.Select(c => c.EnqueueRawAsync(bytes, binary)));
    }

    /// <summary>Sends one text message split into frames of <paramref name="fragmentSize"/> bytes to every connection.</summary>
    public Task SendFragmentedAsync(string text, int fragmentSize)
    {
        if (fragmentSize <= 0) throw new ArgumentOutOfRangeException(nameof(fragmentSize));
        var bytes = Encoding.UTF8.GetBytes(text);
        return Task.WhenAll(_connections.Values.Select(c => c.EnqueueRawAsync(bytes, false, fragmentSize)));
    }
}
