using System;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace C2WebSocket.Simulator;

/// <summary>One error entry of an error message payload.</summary>
internal readonly record struct WireError(string Code, string? Field, string Message);

/// <summary>Builds server messages (UTF-8 JSON bytes) in the C2 envelope shape:
/// msg_type, id ("msg_" + 28 hex), seq_id (stream messages only), request_id (when echoed),
/// timestamp (ISO-8601 UTC with Z, millisecond precision), v, payload (omitted when none).</summary>
internal static class Wire
{
    public const string Signal = "strategy.signal";
    public const string Positions = "strategy.positions";

    public static string NewMessageId() => "msg_" + Guid.NewGuid().ToString("N").Substring(0, 28);

    public static string FormatTimestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Envelope(string msgType, DateTimeOffset now, int v, long? seqId = null,
        string? requestId = null, Action<Utf8JsonWriter>? payload = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("msg_type", msgType);
            w.WriteString("id", NewMessageId());
            if (seqId is long s) w.WriteNumber("seq_id", s);
            if (requestId is not null) w.WriteString("request_id", requestId);
            w.WriteString("timestamp", FormatTimestamp(now));
            w.WriteNumber("v", v);
            if (payload is not null)
            {
                w.WritePropertyName("payload");
                payload(w);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

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
