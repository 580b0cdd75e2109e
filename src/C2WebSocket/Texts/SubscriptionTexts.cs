using System;
using System.Collections.Generic;
using System.Globalization;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The words of subscriptions: subscribing and its acknowledgement, refusals, timeouts and retries, the limit per
    /// connection, and how the server names (or does not name) the strategy of a message. The session decides and passes
    /// the facts (stream, resume point, attempts, strategies); the sentences are built here, beside the ErrorId table
    /// (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class SubscriptionTexts
    {

        public static string AlreadySubscribed(string label, StreamKey key, long resumeFrom, int dropped) =>
            label + ": " + key + " is already subscribed; subscribing again with resume_from " + resumeFrom.ToString(CultureInfo.InvariantCulture) +
            " to replay from there" +
            (dropped > 0 ? " (" + dropped.ToString(CultureInfo.InvariantCulture) + " queued message(s) of it were discarded: the replay brings them again)" : "") + ".";

        public static string Limit(string label, int live, object link) =>
            label + " already has " + live.ToString(CultureInfo.InvariantCulture) + " subscriptions on " + link + "; C2 allows " +
            ProtocolLimits.MaxSubscriptionsPerConnection.ToString(CultureInfo.InvariantCulture) +
            " per connection. Remove some (Remove-C2Subscription) or open another session.";

        public static string WaiterTimedOut(StreamKey key, TimeSpan timeout, string label, C2SessionState state) =>
            string.Format(CultureInfo.InvariantCulture,
                "The server did not acknowledge the subscription to {0} within {1} s ({2} is {3}). Try again, or raise -TimeoutSec.",
                key, TextFormat.Seconds(timeout), label.ToLowerInvariant(), state);

        public static string NoAckWithin(TimeSpan timeout) => "no acknowledgement within " + TextFormat.Seconds(timeout) + " s";

        public static string Unsubscribed(StreamKey key) => key + " was unsubscribed.";

        public static string Subscribing(string label, StreamKey key, long? resume, string? purpose) =>
            label + ": subscribing to " + key + (resume.HasValue ? " with resume_from " + resume.Value.ToString(CultureInfo.InvariantCulture) : "") +
            (purpose == null ? "" : " (" + purpose + ")") + ".";

        public static string Purpose(RequestPurpose p)
        {
            switch (p)
            {
                case RequestPurpose.Resubscribe: return "after a reconnect";
                case RequestPurpose.Page: return "next replay page";
                case RequestPurpose.Recover: return "fetching what a full inbox set aside";
                case RequestPurpose.Backfill: return "fetching the restarted sequence from its start";
                case RequestPurpose.Rewind: return "-ResumeFrom";
                case RequestPurpose.Split: return "re-synchronising after the connection's strategies were split";
                default: return p.ToString();
            }
        }

        public static string AckUnmatched(string label, string? requestId) => label + ": subscription.ack for no outstanding request (request_id '" + requestId + "').";

        public static string Acknowledged(string label, string action, StreamKey key, string id) => label + ": " + action + " of " + key + " acknowledged (" + id + ").";

        public static string Subscribed(string label, StreamKey key, long? resumeFrom) =>
            label + ": subscribed to " + key + (resumeFrom.HasValue ? " (resume_from " + resumeFrom.Value.ToString(CultureInfo.InvariantCulture) + ")" : "") + ".";

        public static string UnrelatedServerError(string label, C2ServerError error) =>
            label + ": the server reported an error not tied to a request of this client: " + error + ".";

        public static string Unsubscribing(StreamKey key) => "Unsubscribing from " + key;

        public static string SubscribingTo(StreamKey key) => "Subscribing to " + key;

        public static string ResumeFromSwitched(string label, ResumeFromWireType refused, C2ServerError error, ResumeFromWireType other) =>
            label + ": the server refused resume_from as a JSON " + refused.ToString().ToLowerInvariant() + " (" + error + "); sending it as a " +
            other.ToString().ToLowerInvariant() + " from now on.";

        public static string UnmatchedErrorRetry(string label, C2ServerError error, StreamKey key) =>
            label + ": an error without request_id (" + error + ") arrived while " + key + " was being subscribed again; sending it once more.";

        public static string UnsubscribeUnanswered(string label, StreamKey key) =>
            label + ": no reply to the unsubscribe of " + key + "; messages that still arrive for it are dropped.";

        public static string AckRetry(string label, StreamKey key, TimeSpan timeout) =>
            label + ": no acknowledgement of the subscription to " + key + " within " + TextFormat.Seconds(timeout) + " s; sending it again.";

        public static string NoAckAfter(int attempts) => "no acknowledgement of the subscription after " + attempts.ToString(CultureInfo.InvariantCulture) + " attempts";

        public static string NotAcknowledged(StreamKey key, string why) => "The server did not acknowledge the subscription to " + key + ": " + why + ".";

        public static string NotRestored(StreamKey key, string why) => "The subscription to " + key + " could not be restored: " + why + ". Nothing more is received for it.";

        public static string Naming(string label, string channel, StrategySource source) =>
            label + ": the server's " + channel + " messages " +
            (source != StrategySource.None
                ? "name their strategy (" + SourceText(source) + ")."
                : "do not name their strategy; each strategy is told apart by the connection that carries it.");

        private static string SourceText(StrategySource s) =>
            s == StrategySource.Payload ? "a payload field" : s == StrategySource.Envelope ? "an envelope field" : "the stream name";

        public static string SharedNoRoom(string label, StreamKey key) =>
            label + ": the server's " + key.Channel + " messages do not name their strategy and the key's 10 connections are in use, so " + key +
            " shares a connection with other strategies: its messages are delivered with an empty StrategyId and cannot be resumed per strategy.";

        public static string Split(string label, string channel, IEnumerable<long> strategies, object link, IReadOnlyList<long> moved, IReadOnlyList<long> stuck, long keep) =>
            label + ": the server sends " + channel + " messages that do not name their strategy, and strategies " + string.Join(", ", strategies) +
            " shared " + link + ". " +
            (moved.Count == 1
                ? "Strategy " + moved[0] + " now has a connection of its own and is fetched again from its resume point, " +
                  "so each message is attributed by its connection. "
                : moved.Count > 1
                    ? "Strategies " + string.Join(", ", moved) + " now have connections of their own and are fetched again from their resume points, " +
                      "so each message is attributed by its connection. "
                    : "") +
            (stuck.Count > 0
                ? "The key's 10 connections are in use, so " +
                  (stuck.Count == 1 ? "strategy " + stuck[0] + " stays" : "strategies " + string.Join(", ", stuck) + " stay") + " shared with " + keep +
                  ": their messages are delivered with an empty StrategyId, deduplicated by message id, and cannot be resumed per strategy. " +
                  "Close other sessions of this key, or use fewer strategies per key."
                : "");
    }
}
