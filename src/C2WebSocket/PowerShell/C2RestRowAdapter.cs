using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// Exposes a REST row (<see cref="C2RestRow"/>) to PowerShell as its fields, by their REST names and in the order the
    /// server sent them, with the rules of signal payloads (<see cref="C2StreamMessageAdapter"/>): times are
    /// DateTimeOffset values whose ToString (and so CSV cell) is ISO 8601, nested objects are PSCustomObjects and arrays
    /// stay arrays, both with a compact-JSON ToString. Fields the docs do not list pass through by name. That set is
    /// what Export-Csv, ConvertTo-Json and Select-Object * see; <c>RawJson</c> and <c>Endpoint</c> are hidden members
    /// (C2WebSocket.Types.ps1xml, <see cref="C2RestRowMembers"/>).
    /// </summary>
    public sealed class C2RestRowAdapter : PSPropertyAdapter
    {
        private static readonly object[] BoxedIndexes = BuildIndexes(64);
        private static object[] BuildIndexes(int n) { var a = new object[n]; for (var i = 0; i < n; i++) a[i] = i; return a; }
        private static object Box(int i) => i < BoxedIndexes.Length ? BoxedIndexes[i] : i;

        public override Collection<PSAdaptedProperty> GetProperties(object baseObject)
        {
            var fields = ((C2RestRow)baseObject).Fields;
            var result = new Collection<PSAdaptedProperty>();
            for (var i = 0; i < fields.Count; i++) result.Add(new PSAdaptedProperty(fields.Names[i], Box(i)));
            return result;
        }

        public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName)
        {
            var fields = ((C2RestRow)baseObject).Fields;
            var i = fields.IndexOf(propertyName);
            return i >= 0 ? new PSAdaptedProperty(fields.Names[i], Box(i)) : null;
        }

        public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

        public override bool IsSettable(PSAdaptedProperty adaptedProperty) => false;

        public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty)
        {
            var row = (C2RestRow)adaptedProperty.BaseObject;
            var index = (int)adaptedProperty.Tag;
            var raw = row.Fields.Value(index);
            return PayloadProjection.IsPlain(raw) ? raw : Projected(row, index, raw!);
        }

        public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value) =>
            throw new NotSupportedException("REST rows are read-only; copy the values you want to change.");

        public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty)
        {
            var value = ((C2RestRow)adaptedProperty.BaseObject).Fields.Value((int)adaptedProperty.Tag);
            return C2StreamMessageAdapter.TypeNameOf(value);
        }

        /// <summary>The PowerShell form of a time, nested object or array of the row, built once and kept.</summary>
        private static object? Projected(C2RestRow row, int index, object value)
        {
            var slots = row.Projections;
            if (slots == null)
            {
                var fresh = new object?[row.Fields.Count];
                slots = Interlocked.CompareExchange(ref row.Projections, fresh, null) ?? fresh;
            }
            return slots[index] ?? Interlocked.CompareExchange(ref slots[index], PayloadProjection.ToPowerShell(value), null) ?? slots[index];
        }
    }
}
