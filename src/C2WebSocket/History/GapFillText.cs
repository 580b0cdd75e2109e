using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>Texts shared by the plan and the report.</summary>
    internal static class GapFillText
    {
        /// <summary>The command a user runs to fetch a window: times in ISO 8601 invariant form (UTC, "o"), quoted.</summary>
        public static string CommandLine(long strategyId, DateTimeOffset? since, DateTimeOffset? until) =>
            "Get-C2StrategyHistory -StrategyId " + strategyId.ToString(CultureInfo.InvariantCulture) +
            (since.HasValue ? " -Since '" + Round(since.Value) + "'" : "") +
            (until.HasValue ? " -Until '" + Round(until.Value) + "'" : "");

        private static string Round(DateTimeOffset t) => t.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);
    }
}
