using System;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Exposes a signal or position update to PowerShell as its typed envelope properties plus every top-level
    /// payload field (<c>Where-Object symbol -eq 'ESZ6'</c>), without building per-message PowerShell objects on the
    /// receive loop: the payload is decoded when the pipeline first asks. Registered for C2Signal and C2PositionUpdate
    /// by C2WebSocket.Types.ps1xml. An envelope property wins over a payload field of the same name (the field stays
    /// reachable as <c>Payload.name</c>).
    /// </summary>
    public sealed class C2StreamMessageAdapter : PSPropertyAdapter
    {
        private const string PayloadName = "Payload";

        private static readonly PropertyInfo[] Envelope = typeof(C2StreamMessage)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToArray();

        private static PropertyInfo? EnvelopeProperty(string name)
        {
            foreach (var p in Envelope)
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p;
            return null;
        }

        public override Collection<PSAdaptedProperty> GetProperties(object baseObject)
        {
            var message = (C2StreamMessage)baseObject;
            var result = new Collection<PSAdaptedProperty>();
            var fields = message.Fields;
            // Payload fields first: they are what a trader filters on; then the envelope.
            for (var i = 0; i < fields.Count; i++)
                if (EnvelopeProperty(fields.Names[i]) == null && !string.Equals(fields.Names[i], PayloadName, StringComparison.OrdinalIgnoreCase))
                    result.Add(new PSAdaptedProperty(fields.Names[i], i));
            foreach (var p in Envelope) result.Add(new PSAdaptedProperty(p.Name, p));
            result.Add(new PSAdaptedProperty(PayloadName, PayloadName));
            return result;
        }

        public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName)
        {
            var envelope = EnvelopeProperty(propertyName);
            if (envelope != null) return new PSAdaptedProperty(envelope.Name, envelope);
            if (string.Equals(propertyName, PayloadName, StringComparison.OrdinalIgnoreCase)) return new PSAdaptedProperty(PayloadName, PayloadName);
            var fields = ((C2StreamMessage)baseObject).Fields;
            var i = fields.IndexOf(propertyName);
            return i >= 0 ? new PSAdaptedProperty(fields.Names[i], i) : null;
        }

        public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

        public override bool IsSettable(PSAdaptedProperty adaptedProperty) => false;

        public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty)
        {
            var message = (C2StreamMessage)adaptedProperty.BaseObject;
            switch (adaptedProperty.Tag)
            {
                case PropertyInfo p: return p.GetValue(message, null);
                case string _: return PayloadProjection.ToPSObject(message.Fields);
                default: return PayloadProjection.ToPowerShell(message.Fields.Value((int)adaptedProperty.Tag));
            }
        }

        public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value) =>
            throw new NotSupportedException("Signals and position updates are read-only; copy the values you want to change.");

        public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty)
        {
            if (adaptedProperty.Tag is PropertyInfo p) return p.PropertyType.FullName ?? "System.Object";
            var value = GetPropertyValue(adaptedProperty);
            return value == null ? "System.Object" : value is PSObject ? "System.Management.Automation.PSCustomObject" : value.GetType().FullName ?? "System.Object";
        }
    }

    /// <summary>Payload values as PowerShell sees them: nested objects become PSCustomObjects.</summary>
    internal static class PayloadProjection
    {
        public static PSObject? ToPSObject(PayloadFields fields)
        {
            if (!fields.IsObject) return null;
            var pso = new PSObject();
            for (var i = 0; i < fields.Count; i++) pso.Properties.Add(new PSNoteProperty(fields.Names[i], ToPowerShell(fields.Value(i))));
            return pso;
        }

        public static object? ToPowerShell(object? value)
        {
            switch (value)
            {
                case PayloadFields nested: return ToPSObject(nested);
                case object?[] array:
                    var copy = new object?[array.Length];
                    for (var i = 0; i < array.Length; i++) copy[i] = ToPowerShell(array[i]);
                    return copy;
                default: return value;
            }
        }
    }
}
