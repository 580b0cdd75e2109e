using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Payload values as PowerShell sees them: times carry an ISO 8601 ToString, nested objects become
    /// PSCustomObjects and arrays stay arrays, both with a compact-JSON ToString (one spreadsheet cell each).</summary>
    internal static class PayloadProjection
    {
        /// <summary>True for a value PowerShell can use as decoded (string, number, bool, null).</summary>
        public static bool IsPlain(object? value) => !(value is DateTimeOffset || value is PayloadFields || value is object?[]);

        /// <summary>The payload as one object whose top-level values are the message's own projections.</summary>
        public static PSObject? Payload(C2StreamMessage message)
        {
            var fields = message.Fields;
            if (!fields.IsObject) return null;
            var pso = new PSObject();
            for (var i = 0; i < fields.Count; i++)
            {
                var raw = fields.Value(i);
                var value = IsPlain(raw) ? raw : C2StreamMessageAdapter.Projected(message, C2StreamMessageAdapter.FirstFieldSlot + i, raw!);
                pso.Properties.Add(new PSNoteProperty(fields.Names[i], value));
            }
            return ToStringMember.WithJson(pso);
        }

        public static object? ToPowerShell(object? value)
        {
            switch (value)
            {
                case DateTimeOffset time: return ToStringMember.WrapTime(time);
                case PayloadFields nested: return ToPSObject(nested);
                case object?[] array:
                    var copy = new object?[array.Length];
                    for (var i = 0; i < array.Length; i++) copy[i] = ToPowerShell(array[i]);
                    return ToStringMember.WithJson(new PSObject(copy));
                default: return value;
            }
        }

        private static PSObject? ToPSObject(PayloadFields fields)
        {
            if (!fields.IsObject) return null;
            var pso = new PSObject();
            for (var i = 0; i < fields.Count; i++) pso.Properties.Add(new PSNoteProperty(fields.Names[i], ToPowerShell(fields.Value(i))));
            return ToStringMember.WithJson(pso);
        }
    }
}
