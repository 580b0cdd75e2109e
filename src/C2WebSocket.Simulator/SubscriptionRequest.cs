using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace C2WebSocket.Simulator;

/// <summary>Validation of a subscription.request: timestamp (present, ISO-8601, within
/// <see cref="SimulatorOptions.ClockTolerance"/>), request_id (string, at most 50 characters), payload with
/// action, channel, positive strategy_id and, on strategy.signal only, resume_from in the JSON type(s)
/// <see cref="SimulatorOptions.AcceptResumeFrom"/> allows. Every problem becomes one <see cref="WireError"/>
/// (PascalCase field names, as C2's FORBIDDEN example uses).</summary>
internal readonly record struct SubscriptionRequest(string? Action, string? Channel, long StrategyId, long ResumeFrom, WireError[] Errors)
{
    private const DateTimeStyles UtcStyles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    public static bool TryParseTimestamp(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, UtcStyles, out value);

    public static string TimestampMessage(SimulatorOptions o) =>
        $"Timestamp must be within {o.ClockTolerance.TotalSeconds:0} seconds of the current UTC time";

    public static SubscriptionRequest Parse(JsonElement root, SimulatorOptions o, DateTimeOffset now)
    {
        var errors = new List<WireError>(2);

        // timestamp
        if (!root.TryGetProperty("timestamp", out var tsEl) || tsEl.ValueKind == JsonValueKind.Null)
            errors.Add(new("INVALID_PARAMETER", "Timestamp", "Timestamp is required"));
        else if (tsEl.ValueKind != JsonValueKind.String || !TryParseTimestamp(tsEl.GetString(), out var ts))
            errors.Add(new("INVALID_PARAMETER", "Timestamp", "Timestamp must be an ISO-8601 UTC date-time"));
        else if ((ts - now).Duration() > o.ClockTolerance)
            errors.Add(new("INVALID_PARAMETER", "Timestamp", TimestampMessage(o)));

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
            if (!Wire.IsDataChannel(channel))
                errors.Add(new("INVALID_PARAMETER", "Channel", "Channel must be 'strategy.signal' or 'strategy.positions'"));

            if (!p.TryGetProperty("strategy_id", out var sid) || sid.ValueKind != JsonValueKind.Number ||
                !sid.TryGetInt64(out strategyId) || strategyId <= 0)
                errors.Add(new("INVALID_PARAMETER", "StrategyId", "StrategyId must be a positive integer"));

            // resume_from: only meaningful (and only validated) for strategy.signal; ignored for strategy.positions.
            if (channel == Wire.Signal && p.TryGetProperty("resume_from", out var rf) && rf.ValueKind != JsonValueKind.Null &&
                !TryParseResumeFrom(rf, o.AcceptResumeFrom, out resumeFrom))
            {
                errors.Add(new("INVALID_PARAMETER", "ResumeFrom", $"ResumeFrom must be {Expected(o.AcceptResumeFrom)}"));
                resumeFrom = 0;
            }
        }
        return new SubscriptionRequest(action, channel, strategyId, resumeFrom, errors.ToArray());
    }

    private static bool TryParseResumeFrom(JsonElement rf, ResumeFromFormat fmt, out long value)
    {
        value = 0;
        if (rf.ValueKind == JsonValueKind.String)
            return fmt != ResumeFromFormat.Number &&
                   long.TryParse(rf.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (rf.ValueKind == JsonValueKind.Number)
            return fmt != ResumeFromFormat.String && rf.TryGetInt64(out value) && value >= 0;
        return false;
    }

    private static string Expected(ResumeFromFormat fmt) => fmt switch
    {
        ResumeFromFormat.String => "a string of digits",
        ResumeFromFormat.Number => "a non-negative integer number",
        _ => "a non-negative integer (number or string)",
    };
}
