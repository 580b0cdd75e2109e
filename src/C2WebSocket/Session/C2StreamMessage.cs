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
        private readonly PayloadFields _fields;
        private string? _raw;
        private PSObject? _payload;

        internal C2StreamMessage(int sessionId, string channel, long? strategyId, long? seqId, string? id, DateTimeOffset? timestamp,
            DateTimeOffset receivedAt, PayloadFields fields, byte[] utf8)
        {
            SessionId = sessionId;
            Channel = channel;
            StrategyId = strategyId;
            SeqId = seqId;
            Id = id;
            Timestamp = timestamp;
            ReceivedAt = receivedAt;
            _fields = fields;
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

        /// <summary>The payload as a PSCustomObject (built on first use; its fields are also properties of this object).</summary>
        public PSObject? Payload => _payload ??= _fields.ToPSObject();

        /// <summary>The message exactly as the server sent it.</summary>
        public string RawJson => _raw ??= Encoding.UTF8.GetString(_utf8);

        internal PayloadFields Fields => _fields;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} strategy {1} seq {2}", Channel, StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?", SeqId?.ToString(CultureInfo.InvariantCulture) ?? "-");
    }

    /// <summary>
    /// The top-level fields of a payload object, decoded once on the receive loop into plain .NET values. No
    /// PowerShell objects are built there: the engine reaches the fields through <see cref="C2StreamMessageAdapter"/>.
    /// </summary>
    internal sealed class PayloadFields
    {
        public static readonly PayloadFields None = new PayloadFields(Array.Empty<string>(), Array.Empty<object?>(), 0, isObject: false);

        private PayloadFields(string[] names, object?[] values, int count, bool isObject)
        {
            Names = names; Values = values; Count = count; IsObject = isObject;
        }

        public string[] Names { get; }
        public object?[] Values { get; }
        public int Count { get; }
        public bool IsObject { get; }

        /// <summary>Index of a field by name (case-insensitive, as PowerShell property names are), or -1.</summary>
        public int IndexOf(string name)
        {
            for (var i = 0; i < Count; i++)
                if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        /// <param name="previousNames">The names of the previous payload: messages of a stream repeat their field
        /// names, so those strings are reused instead of allocated again.</param>
        /// <param name="depth">How deep this object is nested in the message (nesting is cut off past 32).</param>
        public static PayloadFields From(JsonElement? payload, string[]? previousNames = null, int depth = 0)
        {
            if (!(payload is JsonElement e) || e.ValueKind != JsonValueKind.Object) return None;
            var names = new string[8];
            var values = new object?[8];
            var n = 0;
            foreach (var p in e.EnumerateObject())
            {
                // Hostile or sloppy JSON: an empty name cannot be a PowerShell property, and for a repeated name
                // (in any letter case) the last value wins, as in most JSON readers. RawJson keeps everything.
                string name;
                if (previousNames != null && n < previousNames.Length && previousNames[n] != null && p.NameEquals(previousNames[n])) name = previousNames[n];
                else
                {
                    name = p.Name;
                    if (name.Length == 0) continue;
                }
                var value = JsonProjection.ToPowerShell(p.Value, depth + 1);
                var at = -1;
                for (var i = 0; i < n; i++) if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) { at = i; break; }
                if (at >= 0) { names[at] = name; values[at] = value; continue; }
                if (n == names.Length) { Array.Resize(ref names, n * 2); Array.Resize(ref values, n * 2); }
                names[n] = name;
                values[n] = value;
                n++;
            }
            return new PayloadFields(names, values, n, isObject: true);
        }

        public PSObject? ToPSObject()
        {
            if (!IsObject) return null;
            var pso = new PSObject();
            for (var i = 0; i < Count; i++) pso.Properties.Add(new PSNoteProperty(Names[i], Values[i]));
            return pso;
        }
    }

    /// <summary>A <c>strategy.signal</c> message.</summary>
    public sealed class C2Signal : C2StreamMessage
    {
        internal C2Signal(int sessionId, long? strategyId, long? seqId, string? id, DateTimeOffset? ts, DateTimeOffset received, PayloadFields fields, byte[] utf8)
            : base(sessionId, Protocol.Channels.Signal, strategyId, seqId, id, ts, received, fields, utf8) { }
    }

    /// <summary>A <c>strategy.positions</c> message.</summary>
    public sealed class C2PositionUpdate : C2StreamMessage
    {
        internal C2PositionUpdate(int sessionId, long? strategyId, long? seqId, string? id, DateTimeOffset? ts, DateTimeOffset received, PayloadFields fields, byte[] utf8)
            : base(sessionId, Protocol.Channels.Positions, strategyId, seqId, id, ts, received, fields, utf8) { }
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
                    return PayloadFields.From(e, null, depth).ToPSObject();
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
    }
}
