using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace C2WebSocket
{
    /// <summary>
    /// A data message of a subscribed channel. The envelope fields are typed; the payload's schema is not
    /// published by C2, so it is projected as-is: <see cref="Payload"/> holds it as an object and every
    /// top-level payload field is also a property of the emitted object (<c>Where-Object symbol -eq 'ESZ6'</c>).
    /// </summary>
    public abstract class C2StreamMessage
    {
        private readonly byte[] _utf8;
        private string? _raw;

        internal C2StreamMessage(int sessionId, string channel, long? strategyId, long? seqId, string? id, DateTimeOffset? timestamp,
            DateTimeOffset receivedAt, PSObject? payload, byte[] utf8)
        {
            SessionId = sessionId;
            Channel = channel;
            StrategyId = strategyId;
            SeqId = seqId;
            Id = id;
            Timestamp = timestamp;
            ReceivedAt = receivedAt;
            Payload = payload;
            _utf8 = utf8;
        }

        public int SessionId { get; }
        public string Channel { get; }
        public long? StrategyId { get; }
        public long? SeqId { get; }
        public string? Id { get; }
        /// <summary>The server's timestamp of the message.</summary>
        public DateTimeOffset? Timestamp { get; }
        /// <summary>When this client received it (local clock, UTC).</summary>
        public DateTimeOffset ReceivedAt { get; }
        public PSObject? Payload { get; }
        /// <summary>The message exactly as the server sent it.</summary>
        public string RawJson => _raw ??= Encoding.UTF8.GetString(_utf8);

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} strategy {1} seq {2}", Channel, StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?", SeqId?.ToString(CultureInfo.InvariantCulture) ?? "-");
    }

    /// <summary>A <c>strategy.signal</c> message.</summary>
    public sealed class C2Signal : C2StreamMessage
    {
        internal C2Signal(int sessionId, long? strategyId, long? seqId, string? id, DateTimeOffset? ts, DateTimeOffset received, PSObject? payload, byte[] utf8)
            : base(sessionId, Protocol.Channels.Signal, strategyId, seqId, id, ts, received, payload, utf8) { }
    }

    /// <summary>A <c>strategy.positions</c> message.</summary>
    public sealed class C2PositionUpdate : C2StreamMessage
    {
        internal C2PositionUpdate(int sessionId, long? strategyId, long? seqId, string? id, DateTimeOffset? ts, DateTimeOffset received, PSObject? payload, byte[] utf8)
            : base(sessionId, Protocol.Channels.Positions, strategyId, seqId, id, ts, received, payload, utf8) { }
    }

    /// <summary>Turns JSON into PowerShell values without knowing the schema.</summary>
    internal static class JsonProjection
    {
        /// <summary>Objects become PSCustomObjects, arrays object[], integers long, other numbers decimal (prices stay exact) or double.</summary>
        public static object? ToPowerShell(JsonElement e, int depth = 0)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    if (depth > 32) return e.GetRawText();
                    var pso = new PSObject();
                    foreach (var p in e.EnumerateObject())
                    {
                        // Hostile or sloppy JSON: an empty name cannot be a PowerShell property, and a repeated
                        // name would throw; the last value wins, as in most JSON readers. RawJson keeps everything.
                        if (p.Name.Length == 0) continue;
                        var value = ToPowerShell(p.Value, depth + 1);
                        var existing = pso.Properties[p.Name];
                        if (existing != null) pso.Properties.Remove(p.Name);
                        pso.Properties.Add(new PSNoteProperty(p.Name, value));
                    }
                    return pso;
                case JsonValueKind.Array:
                    if (depth > 32) return e.GetRawText();
                    var list = new List<object?>();
                    foreach (var item in e.EnumerateArray()) list.Add(ToPowerShell(item, depth + 1));
                    return list.ToArray();
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    if (e.TryGetInt64(out var l)) return l;
                    if (e.TryGetDecimal(out var m)) return m;
                    return e.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }

        /// <summary>
        /// The object written to the pipeline: the typed message plus each top-level payload field as a note
        /// property. A payload field whose name collides with an envelope property stays reachable as Payload.name.
        /// </summary>
        public static PSObject Wrap(C2StreamMessage message)
        {
            var wrapper = new PSObject(message);
            if (message.Payload != null && message.Payload.BaseObject is PSCustomObject)
            {
                foreach (var p in message.Payload.Properties)
                {
                    if (wrapper.Properties[p.Name] == null)
                        wrapper.Properties.Add(new PSNoteProperty(p.Name, p.Value));
                }
            }
            return wrapper;
        }
    }
}
