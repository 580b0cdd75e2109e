using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace C2WebSocket.Simulator;

/// <summary>
/// Minimal HTTP control surface (loopback only, no auth; enabled by <see cref="SimulatorOptions.EnableControlApi"/>):
/// <code>
/// GET  /control                         this help
/// GET  /control/stats                   counters, live connections, streams
/// POST /control/publish?strategy_id=N[&amp;channel=strategy.signal|strategy.positions][&amp;count=K]
///                                       body (optional): JSON payload; empty body = synthetic
/// POST /control/raw[?binary=true]       body sent verbatim to every connection
/// POST /control/faults/drop             abort every socket (no close frame)
/// POST /control/faults/close?status=1001&amp;reason=maintenance
/// POST /control/faults/freeze | unfreeze | stop-heartbeats | start-heartbeats | pause | resume
/// POST /control/faults/reject?count=1&amp;status=503[&amp;retry_after=5]
/// POST /control/faults/policy-violation?count=1
/// POST /control/faults/restart          restart Kestrel on the same port (answers first)
/// GET  /control/options                 the branch played at each open point of the C2 docs
/// POST /control/options?vocabulary=rest&amp;envelope_strategy=id&amp;...   change them live (all or nothing)
/// POST /control/streams/restart?strategy_id=N[&amp;channel=...]          RestartStream: next seq_id 1, history forgotten
/// POST /control/malformed?strategy_id=N&amp;field=seq_id[&amp;channel=...][&amp;omit=true]
///                                       body = raw JSON value of the field: PublishWithEnvelopeOverride
/// POST /control/faults/rest-fail?count=1&amp;status=429[&amp;retry_after=1]   the next REST requests fail (401/429/500/503)
/// POST /control/faults/rest-slow?count=1&amp;delay_ms=2000                  the next REST requests answer late
/// GET  /control/rest/requests[?last=N]  the REST requests answered (no key: its hash), oldest first
/// GET  /control/rest/orders?strategy_id=N   how many orders the REST history holds for a strategy
/// </code>
/// </summary>
internal static class ControlApi
{
    private const string Help =
        "C2 simulator control API\n" +
        "GET  /control/stats\n" +
        "POST /control/publish?strategy_id=N[&channel=strategy.signal|strategy.positions][&count=K]  (optional JSON body = payload)\n" +
        "POST /control/raw[?binary=true]  (body sent verbatim to every connection)\n" +
        "POST /control/faults/{drop|close?status=1001&reason=..|freeze|unfreeze|stop-heartbeats|start-heartbeats|pause|resume|" +
        "reject?count=1&status=503&retry_after=5|policy-violation?count=1|restart}\n" +
        "GET  /control/options  (current branches)\n" +
        "POST /control/options?name=value&...  (names with _ or -; all applied or none):\n" + OptionWords.Usage +
        "POST /control/streams/restart?strategy_id=N[&channel=strategy.signal|strategy.positions]  (next seq_id 1, history forgotten)\n" +
        "POST /control/malformed?strategy_id=N&field=seq_id[&channel=..][&omit=true]  (body = raw JSON value; consumes no seq_id)\n" +
        "POST /control/faults/rest-fail?count=1&status=429[&retry_after=1]  (next REST requests fail: 401, 429, 500, 503, ...)\n" +
        "POST /control/faults/rest-slow?count=1&delay_ms=2000  (next REST requests answer late)\n" +
        "GET  /control/rest/requests[?last=N]  (REST requests answered, without the key)\n" +
        "GET  /control/rest/orders?strategy_id=N  (orders in the REST history)\n";

    public static async Task HandleAsync(C2Simulator sim, HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!.TrimEnd('/');
        var method = ctx.Request.Method;
        var q = ctx.Request.Query;
        try
        {
            if (path == "/control")
            {
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync(Help);
                return;
            }
            if (path == "/control/stats" && method == "GET")
            {
                await WriteJsonAsync(ctx, 200, Stats(sim));
                return;
            }
            if (path == "/control/options" && method == "GET")
            {
                await WriteJsonAsync(ctx, 200, OptionWords.Describe(sim.Options));
                return;
            }
            if (path == "/control/rest/requests" && method == "GET")
            {
                var all = sim.Rest.Requests;
                int last = (int)Math.Min(Long(q["last"], all.Count), all.Count);
                await WriteJsonAsync(ctx, 200, all.Skip(all.Count - last).Select(r => new
                {
                    at = r.At, method = r.Method, path = r.Path, query = r.QueryString, authorization_scheme = r.AuthorizationScheme,
                    api_key_hash = r.ApiKeyHash, content_type = r.ContentType, accept = r.Accept, accept_encoding = r.AcceptEncoding,
                    content_encoding = r.ContentEncoding, status = r.Status,
                }));
                return;
            }
            if (path == "/control/rest/orders" && method == "GET")
            {
                long strategy = Long(q["strategy_id"], 0);
                await WriteJsonAsync(ctx, 200, new { strategy_id = strategy, orders = sim.Rest.OrderCount(strategy) });
                return;
            }
            if (method != "POST")
            {
                await WriteJsonAsync(ctx, 405, new { error = "use POST" });
                return;
            }
            string body;
            using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
                body = await reader.ReadToEndAsync();

            switch (path)
            {
                case "/control/publish":
                {
                    long strategy = Long(q["strategy_id"], 0);
                    string channel = q["channel"].FirstOrDefault() ?? "strategy.signal";
                    int count = (int)Long(q["count"], 1);
                    object? payload = string.IsNullOrWhiteSpace(body) ? null : JsonDocument.Parse(body).RootElement.Clone();
                    if (strategy <= 0 || count <= 0 || channel is not ("strategy.signal" or "strategy.positions"))
                    {
                        await WriteJsonAsync(ctx, 400, new { error = "strategy_id > 0, count > 0, channel strategy.signal|strategy.positions" });
                        return;
                    }
                    var seqs = new List<long>(count);
                    for (int i = 0; i < count; i++)
                        seqs.Add(channel == "strategy.signal" ? sim.PublishSignal(strategy, payload) : sim.PublishPosition(strategy, payload));
                    await WriteJsonAsync(ctx, 200, new { channel, strategy_id = strategy, seq_ids = seqs });
                    return;
                }
                case "/control/options":
                {
                    // Validate everything on a scratch copy first, so a bad value changes nothing.
                    var pairs = q.SelectMany(kv => kv.Value.Select(v => (kv.Key, Value: v ?? ""))).ToArray();
                    var scratch = new SimulatorOptions();
                    foreach (var (k, v) in pairs) OptionWords.Apply(scratch, k, v);
                    foreach (var (k, v) in pairs) OptionWords.Apply(sim.Options, k, v);
                    await WriteJsonAsync(ctx, 200, OptionWords.Describe(sim.Options));
                    return;
                }
                case "/control/streams/restart":
                {
                    long strategy = Long(q["strategy_id"], 0);
                    string channel = q["channel"].FirstOrDefault() ?? "strategy.signal";
                    sim.RestartStream(channel, strategy);
                    await WriteJsonAsync(ctx, 200, new { channel, strategy_id = strategy, last_seq = sim.LastSeq(channel, strategy) });
                    return;
                }
                case "/control/malformed":
                {
                    long strategy = Long(q["strategy_id"], 0);
                    string channel = q["channel"].FirstOrDefault() ?? "strategy.signal";
                    string field = q["field"].FirstOrDefault() ?? "";
                    bool omit = q["omit"] == "true";
                    if (!omit && string.IsNullOrWhiteSpace(body))
                    {
                        await WriteJsonAsync(ctx, 400, new { error = "body = the raw JSON value of the field (or omit=true)" });
                        return;
                    }
                    int sent = sim.PublishWithEnvelopeOverride(channel, strategy, field, omit ? null : body);
                    await WriteJsonAsync(ctx, 200, new { channel, strategy_id = strategy, field, sent });
                    return;
                }
                case "/control/raw":
                    await sim.SendRawAsync(body, q["binary"] == "true");
                    await WriteJsonAsync(ctx, 200, new { sent = sim.Connections.Count });
                    return;
                case "/control/faults/drop": sim.DropAllConnections(); break;
                case "/control/faults/close":
                    await sim.CloseAllAsync((WebSocketCloseStatus)Long(q["status"], 1001), q["reason"].FirstOrDefault());
                    break;
                case "/control/faults/freeze": sim.Freeze(); break;
                case "/control/faults/unfreeze": sim.Unfreeze(); break;
                case "/control/faults/stop-heartbeats": sim.StopHeartbeats(); break;
                case "/control/faults/start-heartbeats": sim.StartHeartbeats(); break;
                case "/control/faults/pause": sim.PausePublishing(); break;
                case "/control/faults/resume": sim.ResumePublishing(); break;
                case "/control/faults/reject":
                {
                    var ra = q["retry_after"].FirstOrDefault();
                    sim.RejectNextHandshakes((int)Long(q["count"], 1), (int)Long(q["status"], 503),
                        ra is null ? null : TimeSpan.FromSeconds(double.Parse(ra, CultureInfo.InvariantCulture)));
                    break;
                }
                case "/control/faults/policy-violation": sim.PolicyViolationOnNextHandshakes((int)Long(q["count"], 1)); break;
                case "/control/faults/rest-fail":
                {
                    var ra = q["retry_after"].FirstOrDefault();
                    sim.Rest.FailNext((int)Long(q["count"], 1), (int)Long(q["status"], 503),
                        ra is null ? null : TimeSpan.FromSeconds(double.Parse(ra, CultureInfo.InvariantCulture)));
                    break;
                }
                case "/control/faults/rest-slow":
                    sim.Rest.DelayNext((int)Long(q["count"], 1), TimeSpan.FromMilliseconds(Long(q["delay_ms"], 2000)));
                    break;
                case "/control/faults/restart":
                    await WriteJsonAsync(ctx, 202, new { ok = true, fault = "restart" });
                    await ctx.Response.CompleteAsync();
                    _ = Task.Run(async () => { try { await sim.RestartAsync(); } catch (Exception) { } });
                    return;
                default:
                    await WriteJsonAsync(ctx, 404, new { error = "unknown control endpoint", help = Help });
                    return;
            }
            await WriteJsonAsync(ctx, 200, new { ok = true, fault = path.Substring(path.LastIndexOf('/') + 1) });
        }
        catch (Exception ex) when (ex is FormatException or JsonException or OverflowException or ArgumentException)
        {
            await WriteJsonAsync(ctx, 400, new { error = ex.Message });
        }
    }

    private static long Long(Microsoft.Extensions.Primitives.StringValues v, long fallback) =>
        v.Count == 0 ? fallback : long.Parse(v[0]!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    internal static object Stats(C2Simulator sim)
    {
        var s = sim.Stats;
        return new
        {
            uri = sim.Uri.ToString(),
            connections_accepted = s.ConnectionsAccepted,
            handshakes_rejected = s.HandshakesRejected,
            policy_violation_closes = s.PolicyViolationCloses,
            heartbeats_sent = s.HeartbeatsSent,
            heartbeat_acks_received = s.HeartbeatAcksReceived,
            connections_closed_for_missed_ack = s.ConnectionsClosedForMissedAck,
            subscription_requests = s.SubscriptionRequests,
            subscribes = s.Subscribes,
            unsubscribes = s.Unsubscribes,
            messages_sent = s.MessagesSent,
            signals_published = s.SignalsPublished,
            positions_published = s.PositionsPublished,
            replayed_messages = s.ReplayedMessages,
            gaps_sent = s.GapsSent,
            retention_holes = s.RetentionHoles,
            rest_requests = sim.Rest.RequestCount,
            errors_sent = s.ErrorsSent,
            invalid_client_messages = s.InvalidClientMessages,
            client_messages_by_type = s.ClientMessagesByType,
            last_client_timestamp_skew_ms = s.LastClientTimestampSkew?.TotalMilliseconds,
            connections = sim.Connections.Select(c => new
            {
                id = c.Id,
                api_key_hash = c.ApiKeyHash,
                remote_end_point = c.RemoteEndPoint,
                connected_at = c.ConnectedAt,
                last_ack_at = c.LastAckAt,
                subscriptions = c.Subscriptions.Select(x => new { channel = x.Channel, strategy_id = x.StrategyId }),
            }),
        };
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int status, object value)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
