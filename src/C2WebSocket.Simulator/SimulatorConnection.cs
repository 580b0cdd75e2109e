using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace C2WebSocket.Simulator;

/// <summary>A (channel, strategy) pair a connection is subscribed to.</summary>
public readonly record struct SimulatorSubscription(string Channel, long StrategyId);

/// <summary>One live server-side WebSocket connection. Public members are a thread-safe view for tests;
/// the rest is the per-connection machinery: one receive loop, one serialized sender draining an
/// unbounded queue (so publishing never blocks on a slow socket), and one heartbeat loop
/// (SimulatorConnection.Pumps.cs), and the handling of client messages (SimulatorConnection.Inbound.cs).</summary>
public sealed partial class SimulatorConnection
{
    private readonly C2Simulator _sim;
    private readonly HttpContext _http;
    private readonly WebSocket _ws;
    private readonly Channel<OutItem> _queue = Channel.CreateUnbounded<OutItem>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationTokenSource _receiveCts = new();
    private readonly Dictionary<SimulatorSubscription, bool> _subs = new();
    private readonly TaskCompletionSource _closeSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile CloseRequest? _urgentClose;
    private long _lastAckTimestamp; // Stopwatch ticks, 0 = none
    private long _unackedHeartbeatSent; // Stopwatch ticks when the oldest heartbeat not yet acked was written, 0 = none
    private long _lastAckAtTicks;   // server-clock UTC ticks, 0 = none

    internal SimulatorConnection(C2Simulator sim, int id, string apiKey, string apiKeyHash, HttpContext http, WebSocket ws)
    {
        _sim = sim;
        Id = id;
        ApiKey = apiKey;
        ApiKeyHash = apiKeyHash;
        _http = http;
        _ws = ws;
        RemoteEndPoint = http.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : "";
        ConnectedAt = sim.Now;
        // Queued before the connection becomes visible to publishers: connection.connected is always first.
        Enqueue(_sim.BuildMessage("connection.connected"));
    }

    public int Id { get; }
    /// <summary>First 16 hex chars of SHA-256 of the API key (the key itself is never stored here).</summary>
    public string ApiKeyHash { get; }
    public string RemoteEndPoint { get; }
    public DateTimeOffset ConnectedAt { get; }
    /// <summary>Server-clock time of the last heartbeat.ack; null when none arrived yet.</summary>
    public DateTimeOffset? LastAckAt
    {
        get { long t = Interlocked.Read(ref _lastAckAtTicks); return t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero); }
    }
    public IReadOnlyList<SimulatorSubscription> Subscriptions
    {
        get { lock (_subs) return _subs.Keys.ToArray(); }
    }

    internal string ApiKey { get; }
    internal int SubscriptionCount { get { lock (_subs) return _subs.Count; } }
    internal bool HasSubscription(SimulatorSubscription s) { lock (_subs) return _subs.ContainsKey(s); }
    internal bool AddSubscription(SimulatorSubscription s) { lock (_subs) return _subs.TryAdd(s, true); }
    internal bool RemoveSubscription(SimulatorSubscription s) { lock (_subs) return _subs.Remove(s); }

    // ---------------------------------------------------------------- sending

    internal void Enqueue(byte[] utf8Json, OutKind kind = OutKind.Message) =>
        _queue.Writer.TryWrite(new OutItem(kind, utf8Json, 0, default, null, null));

    internal Task EnqueueRawAsync(byte[] data, bool binary, int fragmentSize = 0)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var kind = binary ? OutKind.Binary : OutKind.Message;
        if (!_queue.Writer.TryWrite(new OutItem(kind, data, fragmentSize, default, null, done))) done.TrySetResult();
        return done.Task;
    }

    /// <summary>Close after everything already queued has been sent.</summary>
    internal Task CloseOrderedAsync(WebSocketCloseStatus status, string? description)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new OutItem(OutKind.Close, null, 0, status, description, done))) done.TrySetResult();
        return done.Task;
    }

    /// <summary>Close as soon as the sender finishes its current send (queued messages are dropped).</summary>
    internal void CloseUrgent(WebSocketCloseStatus status, string? description)
    {
        _urgentClose ??= new CloseRequest(status, description);
        _queue.Writer.TryWrite(new OutItem(OutKind.Wakeup, null, 0, default, null, null));
    }

    internal void Abort()
    {
        try { _http.Abort(); } catch { /* already gone */ }
        try { _ws.Abort(); } catch { }
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>Runs the connection to its end. Never throws.</summary>
    internal async Task RunAsync()
    {
        var sendTask = Task.Run(SendLoopAsync);
        var hbTask = Task.Run(HeartbeatLoopAsync);
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // aborted, reset, cancelled: all end the connection quietly
        }
        finally
        {
            _lifetime.Cancel();
            _queue.Writer.TryComplete();
            try { await Task.WhenAll(sendTask, hbTask).ConfigureAwait(false); } catch { }
            if (_ws.State != WebSocketState.Closed) Abort();
            _receiveCts.Dispose();
        }
    }
}

internal enum OutKind { Message, Heartbeat, Binary, Close, Wakeup }

internal readonly record struct OutItem(OutKind Kind, byte[]? Data, int FragmentSize,
    WebSocketCloseStatus CloseStatus, string? CloseDescription, TaskCompletionSource? Done);

internal sealed record CloseRequest(WebSocketCloseStatus Status, string? Description);
