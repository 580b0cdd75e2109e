using System;
using System.Globalization;

namespace C2WebSocket
{
    /// <summary>
    /// The words of connections: connecting, the upgrade, handshake and heartbeat timeouts, losses, PolicyViolation (1008)
    /// closes, reconnect attempts and giving up. The connection supervisor decides and passes the facts (address, link,
    /// attempts, times); the sentences are built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class ConnectionTexts
    {

        public static string TooManyForKey(int count) =>
            "This process now has " + count.ToString(CultureInfo.InvariantCulture) +
            " open connections with the same API key; C2 allows 10 connections per key and refuses the rest with HTTP 429.";

        public static string Connecting(string label, Uri uri) => label + ": connecting to " + uri + ".";

        public static string Idle(string label, object link) => label + ": " + link + " carries no subscription any more and was closed.";

        public static string Upgraded(string label, Uri uri, TimeSpan after) =>
            string.Format(CultureInfo.InvariantCulture, "{0}: WebSocket upgrade accepted by {1} after {2:0} ms; waiting for connection.connected.",
                label, uri, after.TotalMilliseconds);

        public const string ConnectFailed = "connect failed";
        public const string KeyRefused = "the server refused the API key";

        public static string AttemptFailed(string label, int attempt, object link, string error) =>
            label + ": reconnect attempt " + attempt.ToString(CultureInfo.InvariantCulture) + " of " + link + " failed: " + error;

        public static string HandshakeExpired(Uri uri, TimeSpan timeout) =>
            string.Format(CultureInfo.InvariantCulture, "the server at {0} accepted the WebSocket but sent no connection.connected within {1} s",
                uri, TextFormat.Seconds(timeout));

        public static string PresumedDead(TimeSpan timeout) =>
            "no message from the server for " + TextFormat.Seconds(timeout) + " s (heartbeats stopped): the connection is presumed dead";

        public const string RejectedAtOnce =
            "The server closed the new connection at once with PolicyViolation (1008): another connection with this API key was being opened " +
            "at the same moment, or the key is at its connection limit. Wait before connecting again.";

        /// <summary>A reason as a sentence: its first letter capitalised, a full stop after it.</summary>
        public static string Sentence(string reason) => char.ToUpperInvariant(reason[0]) + reason.Substring(1) + ".";

        public static string EndedBeforeConnected(Uri uri, string reason) => "The connection to " + uri + " ended before the server sent connection.connected: " + reason;

        public static string TooLarge(string label, string error) => label + ": " + error;

        public static string Lost(string label, object link, string reason) => label + ": " + link + " lost: " + reason;

        public static string LostWithoutReconnect(string label, string reason) =>
            label + " lost its connection (" + reason + ") and reconnecting is turned off (-MaxReconnectAttempts 0).";

        public static string PolicyClosed(string label, object link, PolicyCloseRule rule, TimeSpan throttledInterval)
        {
            var floor = TextFormat.Seconds(throttledInterval);
            string why;
            switch (rule)
            {
                case PolicyCloseRule.ConnectRace:
                    why = "right after the upgrade: the connect race (another connection with this API key opened at the same moment), " +
                          "so the reconnect waits at least " + floor + " s.";
                    break;
                case PolicyCloseRule.Repeated:
                    why = "for the second time within a minute, so the reconnect waits at least " + floor + " s.";
                    break;
                default:
                    why = "after it was established: not the connect race, so it reconnects at the normal backoff.";
                    break;
            }
            return label + ": " + link + " was closed with PolicyViolation (1008) " + why;
        }

        public static string GaveUp(int maxAttempts, string? lastError) =>
            "gave up after " + maxAttempts.ToString(CultureInfo.InvariantCulture) + (maxAttempts == 1 ? " reconnect attempt" : " reconnect attempts") +
            " (last failure: " + lastError + ")";

        public static string GaveUpError(string label, string why) =>
            label + " " + why + ". Signals published from now on are not received; connect again to resume from the last delivered seq_id.";

        public static string ReconnectIn(string label, int attempt, object link, TimeSpan delay, bool throttled) =>
            string.Format(CultureInfo.InvariantCulture, "{0}: reconnect attempt {1} of {2} in {3} s{4}.", label, attempt, link, TextFormat.Seconds(delay),
                throttled ? " (the server asked us to slow down)" : "");

        public static string Reconnected(string label, object link, long reconnects) =>
            label + ": " + link + " reconnected (reconnect #" + reconnects.ToString(CultureInfo.InvariantCulture) + ").";
    }
}
