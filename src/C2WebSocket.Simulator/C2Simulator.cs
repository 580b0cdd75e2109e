using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace C2WebSocket.Simulator;

/// <summary>
/// A C2-compatible WebSocket server (Kestrel on 127.0.0.1) for tests, benchmarks and offline script
/// development. Follows /shared/protocol/C2-WEBSOCKET.md; choices for undocumented behaviour:
/// <list type="bullet">
/// <item>Streams: one per (channel, strategy) with its own seq_id starting at 1 (positions carry seq_id too).</item>
/// <item>Missed heartbeat: close status <see cref="SimulatorOptions.HeartbeatTimeoutCloseStatus"/> (default 1008), description "heartbeat timeout".</item>
/// <item>101st subscription: error code SUBSCRIPTION_LIMIT, field null.</item>
/// <item>Unknown msg_type / malformed JSON / binary frame: error INVALID_PARAMETER (field "MsgType" or null), connection stays open.</item>
/// <item>subscription.ack payload: {"action","channel","strategy_id"}; unsubscribe is acked too (even if not subscribed);
///   a duplicate subscribe is acked again (replaying again when it carries resume_from) without double live delivery.</item>
/// <item>resume_from is ignored on strategy.positions; 0 means no replay.</item>
/// <item>Client message larger than <see cref="SimulatorOptions.MaxClientMessageBytes"/>: close 1009.</item>
/// <item>Client close: echoed with the same status. Server pings (WebSocket keep-alive) are disabled.</item>
/// </list>
/// </summary>
public sealed class C2Simulator : IAsyncDisposable
{
    internal readonly SimulatorStats StatsInternal = new();
    private readonly ConcurrentDictionary<(string, long), StreamState> _streams = new();
    private readonly ConcurrentDictionary<int, SimulatorConnection> _connections = new();
    private readonly ConcurrentDictionary<int, List<string>> _clientMessages = new();
    private readonly Dictionary<string, int> _perKeyCount = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly Queue<(int Status, TimeSpan? RetryAfter)> _queuedRejections = new();
    private readonly SyntheticData _synthetic = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private int _totalConnections;
    private int _policyViolationsPending;
    private int _nextConnectionId;
    private volatile bool _paused;
    private volatile bool _frozen;
    private volatile bool _heartbeatsEnabled = true;
    private TaskCompletionSource _unfrozen = NewTcs();
    private TaskCompletionSource _changed = NewTcs();
    private int _waiters;
    private WebApplication? _app;
    private int _port;
    private bool _disposed;

    private C2Simulator(SimulatorOptions options)
    {
        Options = options;
        options.ApiKeys ??= new Dictionary<string, SimulatorKey>(StringComparer.Ordinal) { [SimulatorOptions.DefaultDemoApiKey] = new() };
        DemoApiKey = options.ApiKeys.ContainsKey(SimulatorOptions.DefaultDemoApiKey) || options.ApiKeys.Count == 0
            ? SimulatorOptions.DefaultDemoApiKey
            : options.ApiKeys.Keys.First();
        if (options.UseTls) Certificate = CreateSelfSignedCertificate();
    }

    /// <summary>Starts a simulator on 127.0.0.1 (ephemeral port unless <see cref="SimulatorOptions.Port"/> is set).</summary>
    public static async Task<C2Simulator> StartAsync(SimulatorOptions? options = null, CancellationToken ct = default)
    {
        var sim = new C2Simulator(options ?? new SimulatorOptions());
        await sim.StartServerAsync(sim.Options.Port, ct).ConfigureAwait(false);
        return sim;
    }

    public Uri Uri => new($"{(Options.UseTls ? "wss" : "ws")}://127.0.0.1:{_port}/ws");
    /// <summary>Base http(s):// address (for the /control/* API).</summary>
    public Uri HttpUri => new($"{(Options.UseTls ? "https" : "http")}://127.0.0.1:{_port}/");
    public string DemoApiKey { get; }
    public SimulatorOptions Options { get; }
    public X509Certificate2? Certificate { get; }
    public SimulatorStats Stats => StatsInternal;

    /// <summary>The simulator's clock: UtcNow + <see cref="SimulatorOptions.ServerClockOffset"/>.</summary>
    public DateTimeOffset Now => DateTimeOffset.UtcNow + Options.ServerClockOffset;

    internal bool IsFrozen => _frozen;
    internal bool HeartbeatsEnabled => _heartbeatsEnabled;

    // ================================================================ hosting

    private async Task StartServerAsync(int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(C2Simulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore();
        if (Certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, lo =>
            {
                // HTTP/1.1 only: C2 documents the classic "101 Switching Protocols" upgrade.
                lo.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                if (Certificate is not null) lo.UseHttps(Certificate);
            });
        });
        builder.Services.AddLogging();
        // No ConsoleLifetime: an embedded simulator must not grab Ctrl+C / SIGTERM from its host process.
        builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(HandleRequestAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
        _app = app;
    }

    private async Task StopServerAsync()
    {
        var app = _app;
        _app = null;
        if (app is null) return;
        DropAllConnections();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception) { }
        try { await app.DisposeAsync().ConfigureAwait(false); } catch (Exception) { }
    }

    /// <summary>Stops Kestrel (dropping every connection) and starts it again on the same port;
    /// history and seq counters are kept.</summary>
    public async Task RestartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await StopServerAsync().ConfigureAwait(false);
            // The port may linger briefly; retry the bind for up to ~3 s.
            for (int attempt = 0; ; attempt++)
            {
                try { await StartServerAsync(_port, default).ConfigureAwait(false); break; }
                catch (IOException) when (attempt < 30) { await Task.Delay(100).ConfigureAwait(false); }
            }
        }
        finally { _lifecycle.Release(); }
        NotifyChanged();
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            Unfreeze();
            await StopServerAsync().ConfigureAwait(false);
        }
        finally { _lifecycle.Release(); }
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=C2WebSocket.Simulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    // ================================================================ HTTP handling

    private async Task HandleRequestAsync(HttpContext ctx)
    {
        try
        {
            if (ctx.Request.Path == "/ws")
                await HandleWebSocketAsync(ctx).ConfigureAwait(false);
            else if (Options.EnableControlApi && ctx.Request.Path.StartsWithSegments("/control"))
                await ControlApi.HandleAsync(this, ctx).ConfigureAwait(false);
            else
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        catch (Exception)
        {
            // A connection handler never throws out; a broken request is simply aborted.
            try { ctx.Abort(); } catch { }
        }
    }

    private async Task HandleWebSocketAsync(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(ctx, 400, "BAD_REQUEST", "WebSocket upgrade required", null).ConfigureAwait(false);
            return;
        }

        (int Status, TimeSpan? RetryAfter)? queued = null;
        lock (_gate) if (_queuedRejections.Count > 0) queued = _queuedRejections.Dequeue();
        if (queued is { } q)
        {
            var (code, text) = q.Status switch
            {
                401 => ("UNAUTHORIZED", "Invalid API key"),
                429 => ("RATE_LIMITED", "Rate limit exceeded"),
                503 => ("SERVICE_UNAVAILABLE", "Service unavailable"),
                403 => ("FORBIDDEN", "Forbidden"),
                _ => ("ERROR", "Handshake rejected"),
            };
            await RejectAsync(ctx, q.Status, code, text, q.RetryAfter).ConfigureAwait(false);
            return;
        }

        string? key = ParseBearer(ctx.Request.Headers.Authorization.ToString());
        if (key is null || !Options.ApiKeys.ContainsKey(key))
        {
            await RejectAsync(ctx, 401, "UNAUTHORIZED", "Invalid API key", null).ConfigureAwait(false);
            return;
        }

        int reject = 0;
        lock (_gate)
        {
            _perKeyCount.TryGetValue(key, out int perKey);
            if (perKey >= Options.MaxConnectionsPerKey) reject = 429;
            else if (_totalConnections >= Options.MaxConnectionsTotal) reject = 503;
            else { _perKeyCount[key] = perKey + 1; _totalConnections++; }
        }
        if (reject == 429)
        {
            await RejectAsync(ctx, 429, "RATE_LIMITED", "Connection limit exceeded for this API key", null).ConfigureAwait(false);
            return;
        }
        if (reject == 503)
        {
            await RejectAsync(ctx, 503, "SERVICE_UNAVAILABLE", "Server connection limit reached", null).ConfigureAwait(false);
            return;
        }

        try
        {
            if (TryTakePolicyViolation())
            {
                using var pws = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
                Interlocked.Increment(ref StatsInternal.policyViolationCloses);
                NotifyChanged();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await pws.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "Connection limit exceeded", cts.Token).ConfigureAwait(false);
                try
                {
                    var buf = new byte[1024];
                    while (pws.State == WebSocketState.CloseSent)
                        await pws.ReceiveAsync(buf.AsMemory(), cts.Token).ConfigureAwait(false);
                }
                catch (Exception) { }
                return;
            }

            var ws = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            int id = Interlocked.Increment(ref _nextConnectionId);
            var conn = new SimulatorConnection(this, id, key, HashKey(key), ctx, ws);
            _clientMessages.TryAdd(id, new List<string>());
            _connections[id] = conn;
            Interlocked.Increment(ref StatsInternal.connectionsAccepted);
            NotifyChanged();
            try
            {
                await conn.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(id, out _);
                foreach (var sub in conn.Subscriptions)
                {
                    var stream = GetStream(sub.Channel, sub.StrategyId);
                    lock (stream.Gate) stream.RemoveSubscriber(conn);
                }
                ws.Dispose();
            }
        }
        finally
        {
            lock (_gate)
            {
                _totalConnections--;
                if (--_perKeyCount[key] == 0) _perKeyCount.Remove(key);
            }
            NotifyChanged();
        }
    }

    private async Task RejectAsync(HttpContext ctx, int status, string code, string message, TimeSpan? retryAfter)
    {
        Interlocked.Increment(ref StatsInternal.handshakesRejected);
        NotifyChanged();
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-WS-Error"] = message;
        if (retryAfter is { } ra)
            ctx.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(0, ra.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code, ["message"] = message });
        await ctx.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private static string? ParseBearer(string header)
    {
        const string prefix = "Bearer ";
        if (header.Length <= prefix.Length || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var key = header.Substring(prefix.Length).Trim();
        return key.Length == 0 ? null : key;
    }

    internal static string HashKey(string key) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).Substring(0, 16).ToLowerInvariant();

    internal bool KeyMayAccess(string apiKey, long strategyId) =>
        Options.ApiKeys.TryGetValue(apiKey, out var k) && k.MayAccess(strategyId);

    private bool TryTakePolicyViolation()
    {
        while (true)
        {
            int n = Volatile.Read(ref _policyViolationsPending);
            if (n <= 0) return false;
            if (Interlocked.CompareExchange(ref _policyViolationsPending, n - 1, n) == n) return true;
        }
    }

    // ================================================================ messages & streams

    internal byte[] BuildMessage(string msgType, long? seqId = null, string? requestId = null, Action<System.Text.Json.Utf8JsonWriter>? payload = null) =>
        Wire.Envelope(msgType, Now, Options.ProtocolVersion, seqId, requestId, payload);

    private StreamState GetStream(string channel, long strategyId) =>
        _streams.GetOrAdd((channel, strategyId), static k => new StreamState(k.Item1, k.Item2));

    /// <summary>Publishes a strategy.signal (payload null -> synthetic realistic signal). Returns its seq_id.</summary>
    public long PublishSignal(long strategyId, object? payload = null)
    {
        var now = Now;
        Action<Utf8JsonWriter> writer = payload is null
            ? _synthetic.Signal(strategyId, now, Options.SyntheticPayloadBytes)
            : w => Wire.WriteUserPayload(w, payload);
        Interlocked.Increment(ref StatsInternal.signalsPublished);
        return Publish(Wire.Signal, strategyId, writer);
    }

    /// <summary>Publishes a strategy.positions update (payload null -> synthetic). Returns its seq_id.</summary>
    public long PublishPosition(long strategyId, object? payload = null)
    {
        var now = Now;
        Action<Utf8JsonWriter> writer = payload is null
            ? _synthetic.Position(strategyId, now)
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
            // Build inside the lock so the envelope timestamps follow seq order.
            var bytes = BuildMessage(channel, seq, null, payload);
            stream.History.Add(bytes);
            stream.LastSeq = seq;
            if (!_paused) stream.DeliverPendingLocked();
            stream.TrimLocked(Options.MaxHistoryPerStream);
        }
        NotifyChanged();
        return seq;
    }

    /// <summary>Last seq_id assigned on a stream (0 when nothing was published).</summary>
    public long LastSeq(string channel, long strategyId) =>
        _streams.TryGetValue((channel, strategyId), out var s) ? Volatile.Read(ref s.LastSeq) : 0;

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
            if (sub.Channel == Wire.Signal && resumeFrom > 0)
            {
                long upTo = stream.DeliveredSeq; // paused-but-undelivered messages come live on resume
                long missed = upTo - resumeFrom;
                if (missed > 0)
                {
                    int limit = Math.Max(0, Options.ReplayLimit);
                    long first = Math.Max(resumeFrom + 1, stream.HistoryBase + 1); // older ones may be trimmed
                    long n = Math.Max(0, Math.Min(upTo - first + 1, limit));
                    for (long s = first; s < first + n; s++)
                        conn.Enqueue(stream.Get(s));
                    Interlocked.Add(ref StatsInternal.replayedMessages, n);
                    if (missed > n)
                    {
                        Interlocked.Increment(ref StatsInternal.gapsSent);
                        string from = resumeFrom.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        conn.Enqueue(BuildMessage("gap", payload: w =>
                        {
                            w.WriteStartObject();
                            w.WriteNull("strategy_id");
                            w.WriteString("channel", $"{Wire.Signal}:{sub.StrategyId}");
                            w.WriteString("from", from);
                            w.WriteString("message", $"Replay limit of {limit} messages exceeded");
                            w.WriteEndObject();
                        }));
                    }
                }
            }
        }
        Interlocked.Increment(ref StatsInternal.subscribes);
        NotifyChanged();
    }

    internal void Unsubscribe(SimulatorConnection conn, SimulatorSubscription sub, string? requestId)
    {
        var stream = GetStream(sub.Channel, sub.StrategyId);
        lock (stream.Gate)
        {
            if (conn.RemoveSubscription(sub)) stream.RemoveSubscriber(conn);
            conn.Enqueue(BuildAck("unsubscribe", sub, requestId));
        }
        Interlocked.Increment(ref StatsInternal.unsubscribes);
        NotifyChanged();
    }

    private byte[] BuildAck(string action, SimulatorSubscription sub, string? requestId) =>
        BuildMessage("subscription.ack", requestId: requestId, payload: w =>
        {
            w.WriteStartObject();
            w.WriteString("action", action);
            w.WriteString("channel", sub.Channel);
            w.WriteNumber("strategy_id", sub.StrategyId);
            w.WriteEndObject();
        });

    // ================================================================ faults

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

    /// <summary>The next <paramref name="count"/> upgrade requests are refused with <paramref name="statusCode"/>
    /// (401/429/503/...) with X-WS-Error, a JSON body and, when given, Retry-After (whole seconds).</summary>
    public void RejectNextHandshakes(int count, int statusCode, TimeSpan? retryAfter = null)
    {
        lock (_gate)
            for (int i = 0; i < count; i++) _queuedRejections.Enqueue((statusCode, retryAfter));
    }

    /// <summary>The next <paramref name="count"/> authenticated upgrades are accepted and closed at once with 1008, no error message.</summary>
    public void PolicyViolationOnNextHandshakes(int count) => Interlocked.Add(ref _policyViolationsPending, count);

    // ================================================================ observation

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

    private sealed class NoopHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    // ================================================================ stream state

    private sealed class StreamState
    {
        public readonly string Channel;
        public readonly long StrategyId;
        public readonly object Gate = new();
        public readonly List<byte[]> History = new(); // History[i] has seq_id HistoryBase + i + 1
        public long HistoryBase;                      // seq_ids <= HistoryBase were trimmed
        public long LastSeq;                          // last assigned
        public long DeliveredSeq;                     // last handed to live subscribers
        private SimulatorConnection[] _subscribers = Array.Empty<SimulatorConnection>();

        public StreamState(string channel, long strategyId) { Channel = channel; StrategyId = strategyId; }

        public byte[] Get(long seq) => History[(int)(seq - HistoryBase - 1)];

        /// <summary>Drops the oldest delivered messages (10% extra at once) when over <paramref name="max"/>.</summary>
        public void TrimLocked(int max)
        {
            if (max <= 0 || History.Count <= max) return;
            long drop = Math.Min(History.Count - max + max / 10, DeliveredSeq - HistoryBase);
            if (drop <= 0) return;
            History.RemoveRange(0, (int)drop);
            HistoryBase += drop;
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
}
