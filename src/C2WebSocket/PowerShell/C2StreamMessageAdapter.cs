using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Exposes a signal or position update to PowerShell as one property set chosen for logging: the envelope
    /// (SessionId, Channel, StrategyId, SeqId, Id, Timestamp, ReceivedAt, Source), then every top-level payload field once
    /// (<c>Where-Object symbol -eq 'ESZ6'</c>), without building per-message PowerShell objects on the receive loop: the
    /// payload is decoded when the pipeline first asks. That set is what Export-Csv, ConvertTo-Json, Select-Object *
    /// and Format-List * see. <c>Payload</c> and <c>RawJson</c> are hidden members of the type (C2WebSocket.Types.ps1xml,
    /// <see cref="C2MessageMembers"/>): reachable by name, listed by Get-Member -Force, never exported by default.
    /// Registered for C2Signal and C2PositionUpdate by C2WebSocket.Types.ps1xml. An envelope property wins over a
    /// payload field of the same name (the field stays reachable as <c>Payload.name</c>).
    /// </summary>
    /// <remarks>
    /// Times come back as DateTimeOffset values in a PSObject whose ToString (<see cref="ToStringMember"/>), and so whose
    /// CSV cell and list display, is ISO 8601 with milliseconds and offset; comparisons and methods are the
    /// DateTimeOffset's. Nested objects and arrays come back with a compact-JSON ToString. Such values are built once
    /// per message and kept (<see cref="C2StreamMessage.Projections"/>); strings and numbers are returned as decoded.
    /// </remarks>
    public sealed class C2StreamMessageAdapter : PSPropertyAdapter
    {
        /// <summary>One envelope property. The order is the column order of Export-Csv; keep it the declaration order of
        /// C2StreamMessage's public properties, which is the order ConvertTo-Json (reflection) writes them in.</summary>
        private sealed class EnvelopeField
        {
            public EnvelopeField(string name, Type type, Func<C2StreamMessage, object?> get, int timeSlot = -1)
            {
                Name = name; TypeName = type.FullName ?? "System.Object"; Get = get; TimeSlot = timeSlot;
            }
            public readonly string Name;
            public readonly string TypeName;
            public readonly Func<C2StreamMessage, object?> Get;
            /// <summary>The projection slot of a time (wrapped once per message), or -1.</summary>
            public readonly int TimeSlot;
        }

        // Projection slots: 0 Timestamp, 1 ReceivedAt, 2 Payload, then one per payload field.
        internal const int TimestampSlot = 0, ReceivedAtSlot = 1, PayloadSlot = 2, FirstFieldSlot = 3;

        private static readonly EnvelopeField[] Envelope =
        {
            new EnvelopeField(nameof(C2StreamMessage.SessionId), typeof(int), m => m.SessionId),
            new EnvelopeField(nameof(C2StreamMessage.Channel), typeof(string), m => m.Channel),
            new EnvelopeField(nameof(C2StreamMessage.StrategyId), typeof(long?), m => m.StrategyId),
            new EnvelopeField(nameof(C2StreamMessage.SeqId), typeof(long?), m => m.SeqId),
            new EnvelopeField(nameof(C2StreamMessage.Id), typeof(string), m => m.Id),
            new EnvelopeField(nameof(C2StreamMessage.Timestamp), typeof(DateTimeOffset?), m => m.Timestamp, TimestampSlot),
            new EnvelopeField(nameof(C2StreamMessage.ReceivedAt), typeof(DateTimeOffset), m => m.ReceivedAt, ReceivedAtSlot),
            new EnvelopeField(nameof(C2StreamMessage.Source), typeof(string), m => m.Source),
        };

        /// <summary>Names a payload field cannot take as a property: the envelope's and the hidden members'.</summary>
        private static bool IsReserved(string name)
        {
            if (string.Equals(name, C2MessageMembers.PayloadName, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(name, C2MessageMembers.RawJsonName, StringComparison.OrdinalIgnoreCase)) return true;
            return EnvelopeByName(name) != null;
        }

        private static EnvelopeField? EnvelopeByName(string name)
        {
            foreach (var e in Envelope)
                if (string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)) return e;
            return null;
        }

        // Boxed field indexes, so that resolving a payload field by name does not box on every access.
        private static readonly object[] BoxedIndexes = BuildIndexes(64);
        private static object[] BuildIndexes(int n) { var a = new object[n]; for (var i = 0; i < n; i++) a[i] = i; return a; }
        private static object Box(int i) => i < BoxedIndexes.Length ? BoxedIndexes[i] : i;

        public override Collection<PSAdaptedProperty> GetProperties(object baseObject)
        {
            var message = (C2StreamMessage)baseObject;
            var fields = message.Fields;
            var result = new Collection<PSAdaptedProperty>();
            // The envelope first: the columns every message kind has, so logs of different payload shapes line up.
            foreach (var e in Envelope) result.Add(new PSAdaptedProperty(e.Name, e));
            for (var i = 0; i < fields.Count; i++)
                if (!IsReserved(fields.Names[i])) result.Add(new PSAdaptedProperty(fields.Names[i], Box(i)));
            return result;
        }

        public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName)
        {
            var envelope = EnvelopeByName(propertyName);
            if (envelope != null) return new PSAdaptedProperty(envelope.Name, envelope);
            var fields = ((C2StreamMessage)baseObject).Fields;
            var i = fields.IndexOf(propertyName);
            return i >= 0 ? new PSAdaptedProperty(fields.Names[i], Box(i)) : null;
        }

        public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

        public override bool IsSettable(PSAdaptedProperty adaptedProperty) => false;

        public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty)
        {
            var message = (C2StreamMessage)adaptedProperty.BaseObject;
            if (adaptedProperty.Tag is EnvelopeField e)
            {
                if (e.TimeSlot >= 0 && message.Projections?[e.TimeSlot] is object wrapped) return wrapped;
                var value = e.Get(message);
                if (e.TimeSlot < 0 || value == null) return value;
                return Projected(message, e.TimeSlot, value);
            }
            var index = (int)adaptedProperty.Tag;
            var raw = message.Fields.Value(index);
            return PayloadProjection.IsPlain(raw) ? raw : Projected(message, FirstFieldSlot + index, raw!);
        }

        public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value) =>
            throw new NotSupportedException("Signals and position updates are read-only; copy the values you want to change.");

        public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty)
        {
            if (adaptedProperty.Tag is EnvelopeField e) return e.TypeName;
            var value = ((C2StreamMessage)adaptedProperty.BaseObject).Fields.Value((int)adaptedProperty.Tag);
            return TypeNameOf(value);
        }

        /// <summary>The type name PowerShell shows for a payload value (nested objects are PSCustomObjects).</summary>
        internal static string TypeNameOf(object? value)
        {
            switch (value)
            {
                case null: return "System.Object";
                case PayloadFields _: return "System.Management.Automation.PSCustomObject";
                case object?[] _: return "System.Object[]";
                default: return value.GetType().FullName ?? "System.Object";
            }
        }

        /// <summary>The PowerShell form of a value that needs one (a time, a nested object, an array), built once per message.</summary>
        internal static object? Projected(C2StreamMessage message, int slot, object value)
        {
            var slots = message.Projections ?? message.ProjectionSlots(FirstFieldSlot + message.Fields.Count);
            // Two threads may build the same value at once; either result is correct, and the first one stored wins.
            return slots[slot] ?? Interlocked.CompareExchange(ref slots[slot], PayloadProjection.ToPowerShell(value), null) ?? slots[slot];
        }
    }
}
