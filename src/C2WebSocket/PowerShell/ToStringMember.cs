using System;
using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace C2WebSocket
{
    /// <summary>
    /// A ToString of one value, added to the PSObject that wraps it as an instance member: PSObject.ToString() (what
    /// Export-Csv writes into a cell, and what lists and tables show) uses it, and so do <c>$value.ToString()</c> and
    /// <c>$value.ToString('yyyy-MM-dd')</c> in scripts. An instance member, not a Types.ps1xml CodeMethod: PowerShell
    /// copies a type's CodeMethod and compiles a call for each ToString, which made Export-Csv about ten times slower.
    /// </summary>
    internal sealed class ToStringMember : PSMethodInfo
    {
        private readonly object _value;

        private ToStringMember(object value)
        {
            _value = value;
            SetMemberName("ToString");
        }

        /// <summary>A time in a PSObject whose ToString is ISO 8601 with milliseconds and offset.</summary>
        public static PSObject WrapTime(DateTimeOffset time)
        {
            var pso = new PSObject(time);
            pso.Members.Add(new ToStringMember(time), true);
            return pso;
        }

        /// <summary>Gives a nested payload object or array (already in its PSObject) a compact-JSON ToString.</summary>
        public static PSObject WithJson(PSObject pso)
        {
            pso.Members.Add(new ToStringMember(pso), true);
            return pso;
        }

        public override object Invoke(params object[] arguments)
        {
            if (!(_value is DateTimeOffset time)) return C2MessageMembers.ToJson(_value);
            if (arguments == null || arguments.Length == 0) return C2MessageMembers.FormatTime(time);
            var first = Unwrap(arguments[0]);
            if (arguments.Length == 1 && first is IFormatProvider provider) return time.ToString(provider);
            var format = first == null ? null : Convert.ToString(first, CultureInfo.InvariantCulture);
            return time.ToString(format, arguments.Length > 1 ? Unwrap(arguments[1]) as IFormatProvider : null);
        }

        private static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

        public override Collection<string> OverloadDefinitions => _value is DateTimeOffset
            ? new Collection<string>
            {
                "string ToString()  (ISO 8601: 2026-11-30T08:31:44.120+00:00)",
                "string ToString(string format)",
                "string ToString(System.IFormatProvider formatProvider)",
                "string ToString(string format, System.IFormatProvider formatProvider)",
            }
            : new Collection<string> { "string ToString()  (compact JSON)" };

        public override PSMemberInfo Copy() => new ToStringMember(_value);

        /// <summary>What Get-Member shows as the definition.</summary>
        public override string ToString() => string.Join(", ", OverloadDefinitions);

        public override PSMemberTypes MemberType => PSMemberTypes.CodeMethod;

        public override string TypeNameOfValue => typeof(string).FullName!;
    }
}
