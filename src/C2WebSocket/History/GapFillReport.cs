using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    /// <summary>
    /// The sentence a range's report carries about history: "Filled from history: N orders ...", or why not (REST refused,
    /// window empty, not allowed, cannot be planned), or, with gap fill off, the Get-C2StrategyHistory command line that
    /// fetches the range. Built by the factories from a plan and what happened to it.
    /// </summary>
    internal sealed class GapFillReport
    {
        private GapFillReport(GapFillOutcome outcome, string text, string? commandLine)
        {
            Outcome = outcome; Text = text; CommandLine = commandLine;
        }

        public GapFillOutcome Outcome { get; }
        /// <summary>One or two sentences for the range's error record.</summary>
        public string Text { get; }
        /// <summary>The Get-C2StrategyHistory command that fetches the range, when there is one.</summary>
        public string? CommandLine { get; }
        /// <summary>Orders delivered from history.</summary>
        public int Filled { get; private set; }
        public GapFillMatch? Match { get; private set; }
        public C2RestException? Error { get; private set; }

        /// <summary>Gap fill is off (Connect-C2Socket without -FillGapsFromHistory).</summary>
        public static GapFillReport Disabled(GapFillPlan plan)
        {
            if (plan.CommandLine == null) return NotPlanned(plan);
            var text = "To fetch this range's orders from C2's REST history: " + plan.CommandLine +
                       (plan.CanFill ? "" : " (" + plan.Reason + ": the command's window is what is known of it)");
            return new GapFillReport(GapFillOutcome.Disabled, text, plan.CommandLine);
        }

        /// <summary>The range cannot be made into a query: says why, and what can still be fetched.</summary>
        public static GapFillReport NotPlanned(GapFillPlan plan) =>
            new GapFillReport(GapFillOutcome.NotPlannable, "Not filled from history: " + plan.Reason + "." +
                (plan.CommandLine != null ? " What is known of it: " + plan.CommandLine : ""), plan.CommandLine);

        /// <summary>The query ran and the matcher decided.</summary>
        public static GapFillReport Completed(GapFillPlan plan, GapFillMatch match)
        {
            var q = plan.Query ?? throw new ArgumentException("The plan has no query.", nameof(plan));
            var window = Window(q);
            if (match.Fetched - match.OutsideWindow == 0)
                return new GapFillReport(GapFillOutcome.WindowEmpty, "Not filled from history: C2's REST history holds no orders of strategy " +
                    Id(q.StrategyId) + " " + window + " (window empty).", plan.CommandLine) { Match = match };

            var n = match.Deliver.Count;
            var text = n == 0 && match.HeldBack.Count == 0
                ? "Nothing left to fill from history: C2's REST history holds " + Orders(match.Fetched - match.OutsideWindow) + " of strategy " + Id(q.StrategyId) + " " + window
                : "Filled from history: " + Orders(n) + " of strategy " + Id(q.StrategyId) + " " + window + " (GetStrategyHistoricalOrders)";
            if (match.AlreadyDelivered > 0)
            {
                var ways = new List<string>();
                if (match.MatchedBySignalId > 0) ways.Add("matched by SignalId");
                if (match.MatchedByFingerprint > 0) ways.Add("matched by time, symbol, side and quantity");
                if (match.MatchedByCheckpoint > 0) ways.Add("placed by the checkpoint");
                text += "; " + Orders(match.AlreadyDelivered) + " in that window had been delivered and were left out (" + string.Join("; ", ways) + ")";
            }
            text += ".";
            if (match.HeldBack.Count > 0)
            {
                var first = match.HeldBack[0];
                text += " " + Orders(match.HeldBack.Count) + " not delivered because the module cannot tell whether the stream already delivered " +
                        (match.HeldBack.Count == 1 ? "it" : "them") + " (" + first.HeldBackBecause + (match.HeldBack.Count > 1 ? ", ..." : "") +
                        "): check with " + plan.CommandLine + ".";
            }
            if (match.Limitations.Count > 0) text += " Matching: " + string.Join("; ", match.Limitations) + ".";
            return new GapFillReport(GapFillOutcome.Filled, text, plan.CommandLine) { Filled = n, Match = match };
        }

        /// <summary>The REST request failed: not allowed (401, 403) or refused otherwise, with the server's words.</summary>
        public static GapFillReport Failed(GapFillPlan plan, C2RestException error)
        {
            var notAllowed = error.Failure == C2RestFailure.AuthenticationFailed || error.Failure == C2RestFailure.Forbidden;
            var text = notAllowed
                ? "Not filled from history: not allowed. " + error.Message
                : "Not filled from history: the REST request failed (" + error.Failure + "). " + error.Message;
            if (plan.CommandLine != null) text += " To fetch it later: " + plan.CommandLine;
            return new GapFillReport(notAllowed ? GapFillOutcome.NotAllowed : GapFillOutcome.RestRefused, text, plan.CommandLine) { Error = error };
        }

        private static string Window(HistoryQuery q) =>
            "posted from " + HistoryQuery.IsoUtc(q.Since) + (q.Until.HasValue ? " to " + HistoryQuery.IsoUtc(q.Until.Value) : " on (open-ended: the stream had not caught up)");

        private static string Orders(int n) => n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " order" : " orders");

        private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
    }
}
