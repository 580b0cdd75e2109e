using System;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace C2WebSocket.Simulator;

/// <summary>Client messages: parse, record, dispatch (heartbeat.ack, subscription.request), answer errors.</summary>
public sealed partial class SimulatorConnection
{
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
                SubscriptionRequest.TryParseTimestamp(tsEl.GetString(), out var parsed))
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
                        SendError(requestId, new WireError("INVALID_PARAMETER", "Timestamp", SubscriptionRequest.TimestampMessage(_sim.Options)));
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
        var req = SubscriptionRequest.Parse(root, o, now);
        if (req.Errors.Length > 0)
        {
            // One error message, never followed by an ack.
            Interlocked.Increment(ref _sim.StatsInternal.invalidClientMessages);
            SendError(requestId, req.Errors);
            return;
        }

        var sub = new SimulatorSubscription(req.Channel!, req.StrategyId);
        if (req.Action == "subscribe")
        {
            if (!_sim.KeyMayAccess(ApiKey, req.StrategyId))
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
            _sim.Subscribe(this, sub, req.ResumeFrom, requestId);
        }
        else
        {
            _sim.Unsubscribe(this, sub, requestId);
        }
    }
}
