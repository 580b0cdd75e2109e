using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Tests.Simulator;

/// <summary>A raw ClientWebSocket with a background receive loop feeding a queue, so tests can wait
/// for messages with timeouts (never sleeps).</summary>
internal sealed class RawClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public ClientWebSocket Socket { get; } = new();
    public bool AutoAck { get; set; }
    /// <summary>Text of every complete message received (in order).</summary>
    public List<string> RawFrames { get; } = new();
    /// <summary>Number of WebSocket frames (ReceiveAsync results) received, and binary messages seen.</summary>
    public int FrameCount;
    public int BinaryMessages;
    public Task Closed => _closed.Task;

    public static Task<RawClient> ConnectAsync(C2Simulator sim, string? key = null, bool autoAck = false, bool awaitConnected = true,
        Action<ClientWebSocketOptions>? configure = null) =>
        ConnectAsync(sim.Uri, key ?? sim.DemoApiKey, autoAck, awaitConnected, configure);

    /// <summary>Connects to any C2-compatible endpoint (e.g. a standalone simulator process).</summary>
    public static async Task<RawClient> ConnectAsync(Uri uri, string key, bool autoAck = false, bool awaitConnected = true,
        Action<ClientWebSocketOptions>? configure = null)
    {
        var c = new RawClient { AutoAck = autoAck };
        c.Socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        c.Socket.Options.KeepAliveInterval = TimeSpan.Zero;
        configure?.Invoke(c.Socket.Options);
        using var cts = new CancellationTokenSource(Timeout);
        await c.Socket.ConnectAsync(uri, cts.Token);
        c._loop = Task.Run(c.ReceiveLoopAsync);
        if (awaitConnected)
        {
            var first = await c.ReceiveAsync();
            if (first.GetProperty("msg_type").GetString() != "connection.connected")
                throw new InvalidOperationException("first message was " + first);
        }
        return c;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var ms = new System.IO.MemoryStream();
        try
        {
            while (true)
            {
                var r = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    // Complete the closing handshake like a well-behaved client.
                    if (Socket.State == WebSocketState.CloseReceived)
                    {
                        await _sendLock.WaitAsync();
                        try { await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); }
                        catch (Exception) { }
                        finally { _sendLock.Release(); }
                    }
                    break;
                }
                Interlocked.Increment(ref FrameCount);
                ms.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                if (r.MessageType == WebSocketMessageType.Binary) Interlocked.Increment(ref BinaryMessages);
                var text = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
                ms.SetLength(0);
                lock (RawFrames) RawFrames.Add(text);
                JsonElement el;
                try { el = JsonDocument.Parse(text).RootElement.Clone(); }
                catch (JsonException) { el = JsonDocument.Parse(JsonSerializer.Serialize(new { msg_type = "(raw)", text })).RootElement.Clone(); }
                if (AutoAck && el.TryGetProperty("msg_type", out var mt) && mt.GetString() == "heartbeat")
                {
                    await SendAsync(new { msg_type = "heartbeat.ack", timestamp = Now() });
                    continue;
                }
                _inbox.Writer.TryWrite(el);
            }
        }
        catch (Exception) { }
        finally
        {
            _inbox.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public async Task SendAsync(object message)
    {
        var text = message as string ?? JsonSerializer.Serialize(message);
        await _sendLock.WaitAsync();
        try { await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { _sendLock.Release(); }
    }

    public static string Now(TimeSpan? offset = null) =>
        (DateTime.UtcNow + (offset ?? TimeSpan.Zero)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public Task SubscribeAsync(long strategyId, string channel = "strategy.signal", string? requestId = null, object? resumeFrom = null,
        string action = "subscribe", TimeSpan? clockOffset = null)
    {
        var payload = new Dictionary<string, object?> { ["action"] = action, ["channel"] = channel, ["strategy_id"] = strategyId };
        if (resumeFrom is not null) payload["resume_from"] = resumeFrom;
        var msg = new Dictionary<string, object?> { ["msg_type"] = "subscription.request", ["timestamp"] = Now(clockOffset), ["payload"] = payload };
        if (requestId is not null) msg["request_id"] = requestId;
        return SendAsync(msg);
    }

    /// <summary>Next message (heartbeats included unless AutoAck); throws TimeoutException.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try { return await _inbox.Reader.ReadAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException("no message within " + (timeout ?? Timeout)); }
        catch (ChannelClosedException) { throw new InvalidOperationException($"socket closed ({Socket.CloseStatus} {Socket.CloseStatusDescription})"); }
    }

    /// <summary>Next message whose msg_type is not heartbeat.</summary>
    public async Task<JsonElement> ReceiveNonHeartbeatAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var m = await ReceiveAsync(timeout);
            if (m.GetProperty("msg_type").GetString() != "heartbeat") return m;
        }
    }

    public bool TryReceive(out JsonElement el) => _inbox.Reader.TryRead(out el);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
                await Closed.WaitAsync(TimeSpan.FromSeconds(2));
            }
        }
        catch (Exception) { }
        Socket.Abort();
        Socket.Dispose();
        if (_loop is not null) await _loop.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
    }
}

internal static class JsonExt
{
    public static string Type(this JsonElement e) => e.GetProperty("msg_type").GetString()!;
    public static long Seq(this JsonElement e) => e.GetProperty("seq_id").GetInt64();
    public static JsonElement P(this JsonElement e) => e.GetProperty("payload");
    public static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
