using System;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace C2WebSocket.Simulator;

/// <summary>One error entry of an error message payload.</summary>
internal readonly record struct WireError(string Code, string? Field, string Message);

/// <summary>The stream a data message belongs to (written into the envelope when
/// <see cref="SimulatorOptions.EnvelopeStrategy"/> asks for it).</summary>
internal readonly record struct StreamKey(string Channel, long StrategyId)
{
    /// <summary>The stream name the gap message uses: "strategy.signal:12345678".</summary>
    public string Name => Channel + ":" + StrategyId.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One envelope field replaced by raw JSON (<see cref="RawJson"/> null = the field is left out);
/// a field the envelope does not have is added at the end.</summary>
internal readonly record struct EnvelopeOverride(string Field, string? RawJson);

/// <summary>The wire codec: builds server messages (UTF-8 JSON bytes) in the C2 envelope shape
/// msg_type, id ("msg_" + 28 hex), seq_id (stream messages only), strategy_id or channel (data messages,
/// only when <see cref="SimulatorOptions.EnvelopeStrategy"/> says so), request_id (when echoed),
/// timestamp (ISO-8601 UTC with Z, millisecond precision), v (number or string per
/// <see cref="SimulatorOptions.VersionFormat"/>), payload (omitted when none).</summary>
internal static class Wire
{
    public const string Signal = "strategy.signal";
    public const string Positions = "strategy.positions";

    public static bool IsDataChannel(string? channel) => channel is Signal or Positions;

    public static string NewMessageId() => "msg_" + Guid.NewGuid().ToString("N").Substring(0, 28);

    public static string FormatTimestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Builds one server message. <paramref name="stream"/> is set for data messages only;
    /// <paramref name="ovr"/> replaces one envelope field by raw JSON (malformed-message tests).</summary>
    public static byte[] Envelope(SimulatorOptions o, string msgType, DateTimeOffset now, long? seqId = null,
        string? requestId = null, Action<Utf8JsonWriter>? payload = null, StreamKey? stream = null, EnvelopeOverride? ovr = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (!Overridden(w, "msg_type", ovr)) w.WriteString("msg_type", msgType);
            if (!Overridden(w, "id", ovr)) w.WriteString("id", NewMessageId());
            if (seqId is long s && !Overridden(w, "seq_id", ovr)) w.WriteNumber("seq_id", s);
            if (stream is { } k)
            {
                switch (o.EnvelopeStrategy)
                {
                    case EnvelopeStrategyField.StrategyId:
                        if (!Overridden(w, "strategy_id", ovr)) w.WriteNumber("strategy_id", k.StrategyId);
                        break;
                    case EnvelopeStrategyField.StreamName:
                        if (!Overridden(w, "channel", ovr)) w.WriteString("channel", k.Name);
                        break;
                }
            }
            if (requestId is not null && !Overridden(w, "request_id", ovr)) w.WriteString("request_id", requestId);
            if (!Overridden(w, "timestamp", ovr)) w.WriteString("timestamp", FormatTimestamp(now));
            if (!Overridden(w, "v", ovr))
            {
                if (o.VersionFormat == VersionFormat.String)
                    w.WriteString("v", o.ProtocolVersion.ToString(CultureInfo.InvariantCulture));
                else
                    w.WriteNumber("v", o.ProtocolVersion);
            }
            if (payload is not null && !Overridden(w, "payload", ovr))
            {
                w.WritePropertyName("payload");
                payload(w);
            }
            // A field the envelope did not have (e.g. request_id on a data message) is added.
            if (ovr is { } extra && !HasStandardField(extra.Field, seqId, requestId, payload, stream, o) && extra.RawJson is not null)
            {
                w.WritePropertyName(extra.Field);
                w.WriteRawValue(extra.RawJson, skipInputValidation: false);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>When <paramref name="name"/> is the overridden field, writes the raw value (or nothing) and returns true.</summary>
    private static bool Overridden(Utf8JsonWriter w, string name, EnvelopeOverride? ovr)
    {
        if (ovr is not { } o || !string.Equals(o.Field, name, StringComparison.Ordinal)) return false;
        if (o.RawJson is not null)
        {
            w.WritePropertyName(name);
            w.WriteRawValue(o.RawJson, skipInputValidation: false);
        }
        return true;
    }

    private static bool HasStandardField(string field, long? seqId, string? requestId, Action<Utf8JsonWriter>? payload,
        StreamKey? stream, SimulatorOptions o) => field switch
    {
        "msg_type" or "id" or "timestamp" or "v" => true,
        "seq_id" => seqId is not null,
        "request_id" => requestId is not null,
        "payload" => payload is not null,
        "strategy_id" => stream is not null && o.EnvelopeStrategy == EnvelopeStrategyField.StrategyId,
        "channel" => stream is not null && o.EnvelopeStrategy == EnvelopeStrategyField.StreamName,
        _ => false,
    };

    /// <summary>subscription.ack payload per <see cref="SimulatorOptions.AckPayload"/> (null = no payload key).</summary>
    public static Action<Utf8JsonWriter>? AckPayload(AckPayloadShape shape, string action, string channel, long strategyId) => shape switch
    {
        AckPayloadShape.Absent => null,
        AckPayloadShape.Empty => static w => { w.WriteStartObject(); w.WriteEndObject(); },
        _ => w =>
        {
            w.WriteStartObject();
            w.WriteString("action", action);
            w.WriteString("channel", channel);
            w.WriteNumber("strategy_id", strategyId);
            w.WriteEndObject();
        },
    };

    /// <summary>The gap payload, exactly the documented shape (docs/protocol.md §8.3).</summary>
    public static Action<Utf8JsonWriter> GapPayload(long strategyId, long resumeFrom, string message) => w =>
    {
        w.WriteStartObject();
        w.WriteNull("strategy_id");
        w.WriteString("channel", new StreamKey(Signal, strategyId).Name);
        w.WriteString("from", resumeFrom.ToString(CultureInfo.InvariantCulture));
        w.WriteString("message", message);
        w.WriteEndObject();
    };

    public static Action<Utf8JsonWriter> ErrorPayload(WireError[] errors) => w =>
    {
        w.WriteStartObject();
        if (errors.Length == 1)
        {
            WriteErrorFields(w, errors[0]);
        }
        else
        {
            // Several validation errors at once: the documented "errors" array form.
            w.WriteStartArray("errors");
            foreach (var e in errors)
            {
                w.WriteStartObject();
                WriteErrorFields(w, e);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    };

    private static void WriteErrorFields(Utf8JsonWriter w, WireError e)
    {
        w.WriteString("code", e.Code);
        if (e.Field is null) w.WriteNull("field"); else w.WriteString("field", e.Field);
        w.WriteString("message", e.Message);
    }

    /// <summary>Writes a user-supplied payload: null -> JSON null; string -> raw JSON text (validated);
    /// JsonNode/JsonElement/JsonDocument/byte[] (UTF-8 JSON)/any object -> System.Text.Json as given (no renaming).</summary>
    public static void WriteUserPayload(Utf8JsonWriter w, object? payload)
    {
        switch (payload)
        {
            case null: w.WriteNullValue(); break;
            case string json: w.WriteRawValue(json, skipInputValidation: false); break;
            case byte[] utf8: w.WriteRawValue(utf8, skipInputValidation: false); break;
            case JsonElement el: el.WriteTo(w); break;
            case JsonDocument doc: doc.RootElement.WriteTo(w); break;
            case JsonNode node: node.WriteTo(w); break;
            default: JsonSerializer.Serialize(w, payload, payload.GetType()); break;
        }
    }
}
