using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Lets -StrategyId take strategy ids as users type them and schedulers pass them: numbers, arrays, and strings that
    /// hold several ids separated by commas, semicolons or white space ('12345678,87654321' from Task Scheduler, cron or
    /// pwsh -File, which pass a list as one string). Every cmdlet with -StrategyId carries it, on a long[] parameter with
    /// [ValidateRange(1, long.MaxValue)]: an element that is not a whole number in the 64-bit range is refused here, naming
    /// it (ParameterArgumentTransformationError); zero and negative ids are left to ValidateRange, which names them too.
    /// Applied to pipeline binding by property name as well, so a CSV column or an object's StrategyId binds the same way.
    /// </summary>
    public sealed class StrategyIdTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly char[] Separators = { ',', ';', ' ', '\t', '\r', '\n' };

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value == null) return null;
            var ids = new List<long>();
            Collect(value, ids);
            if (!Single) return ids.ToArray();
            if (ids.Count != 1) throw Refuse(ParameterTexts.OneStrategyIdOnly(ids.Count));
            return ids[0];
        }

        /// <summary>The parameter takes one id (a string of digits with spaces around it still binds; a list is refused).</summary>
        public bool Single { get; set; }

        private static void Collect(object? value, List<long> ids)
        {
            value = value is PSObject pso ? pso.BaseObject : value;
            switch (value)
            {
                case null:
                    throw Refuse(ParameterTexts.NullStrategyId);
                case string text:
                    var before = ids.Count;
                    foreach (var token in text.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
                            throw Refuse(ParameterTexts.TokenNotAStrategyId(token));
                        ids.Add(id);
                    }
                    if (ids.Count == before) throw Refuse(ParameterTexts.NoStrategyIdIn(text));
                    return;
                case long l: ids.Add(l); return;
                case int i: ids.Add(i); return;
                case short sh: ids.Add(sh); return;
                case byte b: ids.Add(b); return;
                case sbyte sb: ids.Add(sb); return;
                case ushort us: ids.Add(us); return;
                case uint ui: ids.Add(ui); return;
                case ulong ul:
                    if (ul > long.MaxValue) throw Refuse(ParameterTexts.StrategyIdTooLarge(ul));
                    ids.Add((long)ul);
                    return;
                case double _:
                case float _:
                case decimal _:
                    // Only whole numbers: PowerShell's own conversion would round 1.5 to 2 and subscribe to another strategy.
                    if (!TryWhole(value, out var whole))
                        throw Refuse(ParameterTexts.TokenNotAStrategyId(Convert.ToString(value, CultureInfo.InvariantCulture)));
                    ids.Add(whole);
                    return;
                case IEnumerable many:
                    foreach (var item in many) Collect(item, ids);
                    return;
                default:
                    if (LanguagePrimitives.TryConvertTo<long>(value, CultureInfo.InvariantCulture, out var converted) && !(value is bool) && !(value is char))
                    {
                        ids.Add(converted);
                        return;
                    }
                    throw Refuse(ParameterTexts.TypeNotAStrategyId(value.GetType().Name));
            }
        }

        private static bool TryWhole(object value, out long whole)
        {
            whole = 0;
            decimal number;
            try { number = Convert.ToDecimal(value, CultureInfo.InvariantCulture); }
            catch (OverflowException) { return false; } // NaN, infinities, beyond decimal's range
            if (decimal.Truncate(number) != number || number > long.MaxValue || number < long.MinValue) return false;
            whole = (long)number;
            return true;
        }

        private static ArgumentTransformationMetadataException Refuse(string what) =>
            new ArgumentTransformationMetadataException(ParameterTexts.NotAStrategyId(what));
    }
}
