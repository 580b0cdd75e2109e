using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace C2WebSocket.Simulator;

/// <summary>A (channel, strategy) pair a connection is subscribed to.</summary>
public readonly record struct SimulatorSubscription(string Channel, long StrategyId);

/// <summary>One live server-side WebSocket connection. Public members are a thread-safe view for tests;
/// the rest is the per-connection machinery: one receive loop, one serialized sender draining an
/// unbounded queue (so publishing never blocks on a slow socket), and one heartbeat loop.</summary>
public sealed class SimulatorConnection
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

    // ---------------------------------------------------------------- client messages

    private void HandleClientMessage(ReadOnlySpan<byte> data, WebSocketMessageType type)
    {
        var stats = _sim.StatsInternal;
        string text;
        try { text = new UTF8Encoding(false, true).GetString(data); }
        catch (Exception) { text = Convert.ToBase64String(data); }
        _sim.RecordClientMessage(Id, text);

        if (type == WebSocketMessageType.Binary)
        {
            Invalid("(binary)", null, new WireError("INVALID_PARAMETER", null, "Binary messages are not supported"));
            return;
        }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException)
        {
            Invalid("(invalid)", null, new WireError("INVALID_PARAMETER", null, "Malformed JSON message"));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("msg_type", out var mt) || mt.ValueKind != JsonValueKind.String)
            {
                Invalid("(invalid)", null, new WireError("INVALID_PARAMETER", "MsgType", "msg_type is required"));
                return;
            }
            string msgType = mt.GetString()!;
            string? requestId = root.TryGetProperty("request_id", out var rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
            var now = _sim.Now;
            DateTimeOffset? ts = null;
            if (root.TryGetProperty("timestamp", out var tsEl) && tsEl.ValueKind == JsonValueKind.String &&
                DateTimeOffset.TryParse(tsEl.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                ts = parsed;
                stats.RecordSkew(parsed - now);
            }

            switch (msgType)
            {
                case "heartbeat.ack":
                    stats.CountType(msgType);
                    long ackAt = Stopwatch.GetTimestamp();
                    Interlocked.Exchange(ref _lastAckTimestamp, ackAt);
                    Interlocked.Exchange(ref _unackedHeartbeatSent, 0);
                    _sim.Options.HeartbeatObserver?.Invoke(Id, true, ackAt);
                    Interlocked.Exchange(ref _lastAckAtTicks, now.UtcTicks);
                    Interlocked.Increment(ref stats.heartbeatAcksReceived);
                    // Lenient (documented choice): the ack counts even with a skewed timestamp, but the
                    // skew is reported with an error message so clients/tests can see it.
                    if (ts is { } t && (t - now).Duration() > _sim.Options.ClockTolerance)
                        SendError(requestId, new WireError("INVALID_PARAMETER", "Timestamp", TimestampMessage()));
                    break;
                case "subscription.request":
                    stats.CountType(msgType);
                    Interlocked.Increment(ref stats.subscriptionRequests);
                    HandleSubscriptionRequest(root, requestId, now);
                    break;
                default:
                    Invalid(msgType, requestId, new WireError("INVALID_PARAMETER", "MsgType", $"Unknown msg_type '{Truncate(msgType, 64)}'"));
                    break;
            }
        }
        _sim.NotifyChanged();
    }

    private string TimestampMessage() =>
        $"Timestamp must be within {_sim.Options.ClockTolerance.TotalSeconds:0} seconds of the current UTC time";

    private static string Truncate(string s, int n) => s.Length <= n ? s : s.Substring(0, n) + "...";

    private void Invalid(string typeKey, string? requestId, WireError error)
    {
        _sim.StatsInternal.CountType(typeKey);
        Interlocked.Increment(ref _sim.StatsInternal.invalidClientMessages);
        SendError(requestId, error);
        _sim.NotifyChanged();
    }

    internal void SendError(string? requestId, params WireError[] errors)
    {
        Interlocked.Increment(ref _sim.StatsInternal.errorsSent);
        Enqueue(_sim.BuildMessage("error", requestId: _sim.Options.EchoRequestIdOnError ? requestId : null,
            payload: Wire.ErrorPayload(errors)));
    }

    private void HandleSubscriptionRequest(JsonElement root, string? requestId, DateTimeOffset now)
    {
        var o = _sim.Options;
        var errors = new List<WireError>(2);

        // timestamp
        if (!root.TryGetProperty("timestamp", out var tsEl) || tsEl.ValueKind == JsonValueKind.Null)
            errors.Add(new("INVALID_PARAMETER", "Timestamp", "Timestamp is required"));
        else if (tsEl.ValueKind != JsonValueKind.String ||
                 !DateTimeOffset.TryParse(tsEl.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                     System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var ts))
            errors.Add(new("INVALID_PARAMETER", "Timestamp", "Timestamp must be an ISO-8601 UTC date-time"));
        else if ((ts - now).Duration() > o.ClockTolerance)
            errors.Add(new("INVALID_PARAMETER", "Timestamp", TimestampMessage()));

        // request_id
        if (root.TryGetProperty("request_id", out var ridEl) && ridEl.ValueKind != JsonValueKind.Null)
        {
            if (ridEl.ValueKind != JsonValueKind.String)
                errors.Add(new("INVALID_PARAMETER", "RequestId", "RequestId must be a string"));
            else if (ridEl.GetString()!.Length > 50)
                errors.Add(new("INVALID_PARAMETER", "RequestId", "RequestId must be 50 characters or fewer"));
        }

        string? action = null, channel = null;
        long strategyId = 0, resumeFrom = 0;
        if (!root.TryGetProperty("payload", out var p) || p.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("INVALID_PARAMETER", "Payload", "Payload is required"));
        }
        else
        {
            action = p.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (action is not ("subscribe" or "unsubscribe"))
                errors.Add(new("INVALID_PARAMETER", "Action", "Action must be 'subscribe' or 'unsubscribe'"));

            channel = p.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (channel is not (Wire.Signal or Wire.Positions))
                errors.Add(new("INVALID_PARAMETER", "Channel", "Channel must be 'strategy.signal' or 'strategy.positions'"));

            if (!p.TryGetProperty("strategy_id", out var sid) || sid.ValueKind != JsonValueKind.Number ||
                !sid.TryGetInt64(out strategyId) || strategyId <= 0)
                errors.Add(new("INVALID_PARAMETER", "StrategyId", "StrategyId must be a positive integer"));

            // resume_from: only meaningful (and only validated) for strategy.signal; ignored for strategy.positions.
            if (channel == Wire.Signal && p.TryGetProperty("resume_from", out var rf) && rf.ValueKind != JsonValueKind.Null)
            {
                var fmt = o.AcceptResumeFrom;
                bool ok;
                if (rf.ValueKind == JsonValueKind.String)
                    ok = fmt != ResumeFromFormat.Number && long.TryParse(rf.GetString(), System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out resumeFrom);
                else if (rf.ValueKind == JsonValueKind.Number)
                    ok = fmt != ResumeFromFormat.String && rf.TryGetInt64(out resumeFrom) && resumeFrom >= 0;
                else ok = false;
                if (!ok)
                {
                    string expected = fmt switch
                    {
                        ResumeFromFormat.String => "a string of digits",
                        ResumeFromFormat.Number => "a non-negative integer number",
                        _ => "a non-negative integer (number or string)",
                    };
                    errors.Add(new("INVALID_PARAMETER", "ResumeFrom", $"ResumeFrom must be {expected}"));
                    resumeFrom = 0;
                }
            }
        }

        if (errors.Count > 0)
        {
            Interlocked.Increment(ref _sim.StatsInternal.invalidClientMessages);
            SendError(requestId, errors.ToArray());
            return;
        }

        var sub = new SimulatorSubscription(channel!, strategyId);
        if (action == "subscribe")
        {
            if (!_sim.KeyMayAccess(ApiKey, strategyId))
            {
                SendError(requestId, new WireError("FORBIDDEN", "StrategyId", "Not authorized to subscribe to Strategy"));
                return;
            }
            if (!HasSubscription(sub) && SubscriptionCount >= o.MaxSubscriptionsPerConnection)
            {
                // Undocumented by C2: code SUBSCRIPTION_LIMIT, field null.
                SendError(requestId, new WireError("SUBSCRIPTION_LIMIT", null,
                    $"Subscription limit of {o.MaxSubscriptionsPerConnection} per connection exceeded"));
                return;
            }
            _sim.Subscribe(this, sub, resumeFrom, requestId);
        }
        else
        {
            _sim.Unsubscribe(this, sub, requestId);
        }
    }
}

internal enum OutKind { Message, Heartbeat, Binary, Close, Wakeup }

internal readonly record struct OutItem(OutKind Kind, byte[]? Data, int FragmentSize,
    WebSocketCloseStatus CloseStatus, string? CloseDescription, TaskCompletionSource? Done);

internal sealed record CloseRequest(WebSocketCloseStatus Status, string? Description);
