using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace C2WebSocket.Simulator;

/// <summary>The handshake gate: queued rejections, bearer authentication, per-key and server-wide connection
/// limits (HTTP 401/429/503 with X-WS-Error and a JSON body), the post-upgrade PolicyViolation race, then the
/// connection's run and its cleanup.</summary>
public sealed partial class C2Simulator
{
    private readonly ConcurrentDictionary<int, SimulatorConnection> _connections = new();
    private readonly Dictionary<string, int> _perKeyCount = new(StringComparer.Ordinal);
    private readonly Queue<(int Status, TimeSpan? RetryAfter)> _queuedRejections = new();
    private int _totalConnections;
    private int _policyViolationsPending;
    private int _nextConnectionId;

    /// <summary>The next <paramref name="count"/> upgrade requests are refused with <paramref name="statusCode"/>
    /// (401/429/503/...) with X-WS-Error, a JSON body (code from <see cref="SimulatorOptions.HandshakeRejectionCodes"/>)
    /// and, when given, Retry-After (whole seconds).</summary>
    public void RejectNextHandshakes(int count, int statusCode, TimeSpan? retryAfter = null)
    {
        lock (_gate)
            for (int i = 0; i < count; i++) _queuedRejections.Enqueue((statusCode, retryAfter));
    }

    /// <summary>The next <paramref name="count"/> authenticated upgrades are accepted and closed at once with 1008, no error message.</summary>
    public void PolicyViolationOnNextHandshakes(int count) => Interlocked.Add(ref _policyViolationsPending, count);

    private async Task HandleWebSocketAsync(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(ctx, 400, "WebSocket upgrade required", null, "BAD_REQUEST").ConfigureAwait(false);
            return;
        }

        (int Status, TimeSpan? RetryAfter)? queued = null;
        lock (_gate) if (_queuedRejections.Count > 0) queued = _queuedRejections.Dequeue();
        if (queued is { } q)
        {
            string text = q.Status switch
            {
                401 => "Invalid API key",
                429 => "Rate limit exceeded",
                503 => "Service unavailable",
                403 => "Forbidden",
                _ => "Handshake rejected",
            };
            await RejectAsync(ctx, q.Status, text, q.RetryAfter).ConfigureAwait(false);
            return;
        }

        string? key = ParseBearer(ctx.Request.Headers.Authorization.ToString());
        if (key is null || !Options.ApiKeys.ContainsKey(key))
        {
            await RejectAsync(ctx, 401, "Invalid API key", null).ConfigureAwait(false);
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
            await RejectAsync(ctx, 429, "Connection limit exceeded for this API key", null).ConfigureAwait(false);
            return;
        }
        if (reject == 503)
        {
            await RejectAsync(ctx, 503, "Server connection limit reached", null).ConfigureAwait(false);
            return;
        }

        try
        {
            if (TryTakePolicyViolation())
            {
                await ClosePolicyViolationAsync(ctx).ConfigureAwait(false);
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
                foreach (var sub in conn.Subscriptions) RemoveSubscriber(sub, conn);
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

    private async Task ClosePolicyViolationAsync(HttpContext ctx)
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
    }

    /// <summary>Refuses the upgrade: status, X-WS-Error, optional Retry-After and the JSON body {"code","message"}
    /// whose code comes from <see cref="SimulatorOptions.HandshakeRejectionCodes"/> unless given.</summary>
    private async Task RejectAsync(HttpContext ctx, int status, string message, TimeSpan? retryAfter, string? code = null)
    {
        Interlocked.Increment(ref StatsInternal.handshakesRejected);
        NotifyChanged();
        code ??= RejectionCode(status);
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-WS-Error"] = message;
        if (retryAfter is { } ra)
            ctx.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(0, ra.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
        ctx.Response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code, ["message"] = message });
        await ctx.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private string RejectionCode(int status)
    {
        var codes = Options.HandshakeRejectionCodes;
        if (codes is null) return "ERROR";
        lock (codes) return codes.TryGetValue(status, out var c) ? c : "ERROR";
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
}
