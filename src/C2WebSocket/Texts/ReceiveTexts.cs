using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace C2WebSocket
{
    /// <summary>
    /// The words of Receive-C2Signal: why a read ended, what it skipped, the streams it cannot confirm, a -StrategyId the
    /// sessions do not subscribe. The cmdlet decides; the sentences are built here, beside the ErrorId table
    /// (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class ReceiveTexts
    {
        public static string CountReached(int written) => "received " + written.ToString(CultureInfo.InvariantCulture) + " (-Count)";

        public static string TimeoutReached(int timeoutSec) => "-TimeoutSec " + timeoutSec.ToString(CultureInfo.InvariantCulture) + " reached";

        public const string Stopped = "stopped";

        public static string IdleReached(double idleTimeoutSec) =>
            "nothing arrived for -IdleTimeoutSec " + idleTimeoutSec.ToString(CultureInfo.InvariantCulture);

        public static string ReadEnded(int written, string endReason) =>
            "Receive-C2Signal: " + written.ToString(CultureInfo.InvariantCulture) + " object(s) written; " + endReason + ".";

        public static string AlreadyFromHistory(string session, C2StreamMessage message) =>
            session + ": " + message.Channel + ":" + message.StrategyId + " seq_id " + message.SeqId +
            " is an order already delivered from C2's REST history; not written again.";

        public static string AskingHistory(string session, C2DeliveryGap gap) => session + ": asking C2's REST history for " + gap + ".";

        public const string NotSubscribedShort = "Not subscribed.";

        public static string NotSubscribed(IEnumerable<int> sessionIds, long strategyId, IEnumerable<string>? channels)
        {
            var id = strategyId.ToString(CultureInfo.InvariantCulture);
            var sessions = string.Join(", ", sessionIds.Select(s => "session " + s.ToString(CultureInfo.InvariantCulture)));
            return "Parameter -StrategyId: " + sessions + " does not subscribe to strategy " + id +
                   (channels == null ? "" : " on " + string.Join(", ", channels)) +
                   ", so nothing would arrive for it. Run Add-C2Subscription -StrategyId " + id + " first.";
        }

        public static string StillUnconfirmed(C2Subscription sub) =>
            sub + " has still delivered nothing since it was first watched" + (sub.AlreadyReported ? " (an earlier run with this checkpoint said so)" : "") + ".";

        public static string Unconfirmed(C2Subscription sub) =>
            sub + " has delivered nothing since it was first watched: it was replayed from its start (it had no seq_id to resume from) and nothing newer came. " +
            "If its very first signal (seq_id 1) was published in that time, the protocol cannot replay it (resume_from 0 means live only). " +
            "Check the strategy with the C2 REST API if that matters.";
    }
}
