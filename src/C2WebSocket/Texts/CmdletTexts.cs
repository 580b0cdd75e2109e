using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace C2WebSocket
{
    /// <summary>
    /// The words of the cmdlets (apart from Receive-C2Signal's, in <see cref="ReceiveTexts"/>): what they refuse and why,
    /// what they did (verbose), and what tab completion shows. The cmdlets decide and pass the facts (session, strategy,
    /// path, counts); the sentences are built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class CmdletTexts
    {
        private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

        // ----- connecting and the API key --------------------------------------------------------------------

        public const string NoApiKeyShort = "No API key.";
        public const string NoApiKey = "No API key: pass -ApiKey (a SecureString, for example from Get-Secret, or a string) or set $env:C2_API_KEY.";
        public const string UnencryptedShort = "Unencrypted authentication refused.";

        public static string Unencrypted(string host, string scheme, string secureScheme) =>
            "Refusing to send the API key over an unencrypted connection to " + host + " (" + scheme + "://). Use " + secureScheme +
            "://, or pass -AllowUnencryptedAuthentication if you accept that the key can be read on the network. " +
            scheme + ":// is allowed without it only for loopback addresses.";

        public static string KeyFromEnvironment(bool noSession) => "Using the API key from $env:C2_API_KEY" + (noSession ? " (no session in this runspace)." : ".");

        // ----- the REST cmdlets ------------------------------------------------------------------------------

        public static string RestWithoutSession(string noSession) =>
            noSession + " Or call the REST API without a session: pass -ApiKey (and -Uri or -RestUri), or set $env:C2_API_KEY.";

        public static string RestOfSession(int sessionId, Uri baseUri) => "C2 REST API of session " + N(sessionId) + ": " + baseUri;

        public static string RestClosed(int sessionId, C2SessionState state) =>
            "Session " + N(sessionId) + " is " + state +
            ": its REST client is closed with it. Connect again with Connect-C2Socket, or pass -ApiKey to call the REST API without a session.";

        public static string RestPage(string name, string strategyId, int page, int rows, bool last) =>
            string.Format(CultureInfo.InvariantCulture, "{0} for strategy {1}, page {2}: {3} row(s){4}", name, strategyId, page, rows,
                last ? "; the last page." : "; more follow.");

        public static string RestProgress(string strategyId, long written, string what, int pages) =>
            string.Format(CultureInfo.InvariantCulture, "Strategy {0}: {1:N0} {2} from {3} page(s)", strategyId, written, what, pages);

        public static string RestLeftOut(string strategyId, long dropped) =>
            string.Format(CultureInfo.InvariantCulture, "Strategy {0}: {1} row(s) outside -Since/-Until left out.", strategyId, dropped);

        public const string ClosedTradesNoDates =
            "GetStrategyHistoricalClosedTrades takes no dates: -Since and -Until are applied to each trade's CloseDate here.";

        // ----- sessions -------------------------------------------------------------------------------------

        public static string AlreadyEnded(int sessionId, C2SessionState state) => "Session " + N(sessionId) + " is already " + state + ".";

        public static string QueuedDiscarded(int sessionId, int dropped) =>
            "Session " + N(sessionId) + ": " + N(dropped) + " queued message(s) that no Receive-C2Signal had taken were discarded.";

        public static string NoSessionWithIdShort(int id) => "No C2 session with Id " + N(id) + ".";

        public static string NoSessionWithId(int id, string openIds) => "Parameter -Id: there is no C2 session with Id " + N(id) + " in this runspace. " + openIds + ".";

        /// <summary>"Open sessions: 1, 3" (or "No session is open"), for messages about a session that was not found.</summary>
        public static string OpenIds(IReadOnlyCollection<int> open) =>
            open.Count == 0 ? "No session is open" : "Open sessions: " + string.Join(", ", open.Select(id => N(id)));

        public static string SessionTip(string id, C2SessionState state, Uri uri, int subscriptions, bool isDefault) =>
            "Session " + id + ": " + state + ", " + uri + ", " + N(subscriptions) + " subscription(s)" + (isDefault ? " (the default session)" : "");

        public static string SessionListItem(string id, C2SessionState state, bool isDefault) => "Session " + id + " " + state + (isDefault ? " (default)" : "");

        public static string StrategyTip(string id, System.Collections.Generic.IEnumerable<string> notes) => "Strategy " + id + ": " + string.Join(", ", notes);

        public static string SubscriptionTip(string channel, C2SubscriptionState state) => channel + " (" + state + ")";

        public const string SignalChannelTip = "strategy.signal: trading signals (orders) of a strategy; replayable with -ResumeFrom";
        public const string PositionsChannelTip = "strategy.positions: position updates of a strategy; live only";

        public const string NothingToDisconnect = "Disconnect-C2Socket: there is no default session in this runspace; nothing to close.";

        public static string ClosedWhileRead(string label, string? endReason) => label + " was closed (" + endReason + ") while Receive-C2Signal read it.";

        public static string SessionsEnded(IEnumerable<C2Session> sessions) =>
            string.Join(", ", sessions.Select(s => "session " + N(s.Id) + " ended (" + s.State + ")"));

        public static string RestAsking(string id, string method) => "Strategy " + id + ": asking " + method;

        public static string RestOwnClient(Uri baseUri) => "C2 REST API: " + baseUri;

        public static string ConnectionTest(bool authenticated, Uri uri, string? reason) =>
            authenticated ? "Authenticated to " + uri : "Not authenticated to " + uri + ": " + reason;

        public static string CheckpointTip(string channel, long? seq) => channel + " checkpoint " + (seq is long s ? "seq " + N(s) : "watching");

        // ----- subscriptions ---------------------------------------------------------------------------------

        public const string ResumeFromSignalOnly = "C2 replays strategy.signal only; remove strategy.positions from -Channel or drop -ResumeFrom.";

        public static string ClaimTarget(IEnumerable<long> strategies, string path) =>
            "the strategy.signal streams of " + string.Join(", ", strategies) + " in checkpoint " + path;

        public static string ClaimFailed(string path, string error) => "The checkpoint '" + path + "' could not be claimed: " + error;

        public static string RefusedAction(bool forbidden, string target) =>
            forbidden ? "Check that this API key is authorized for " + target + "." : "Correct the request and try again.";

        public const string NotSubscribedShort = "Not subscribed.";

        public static string NoSubscription(int sessionId, long strategyId, IEnumerable<string>? channels) =>
            "Parameter -StrategyId: session " + N(sessionId) + " has no subscription to strategy " + N(strategyId) +
            (channels == null ? "" : " on " + string.Join(", ", channels)) + ".";

        public static string Unsubscribed(C2Subscription sub, bool answered, int dropped) =>
            "Unsubscribed from " + sub + (answered ? "" : " (the server did not answer; messages that still arrive for it are dropped)") + "; " +
            N(dropped) + " queued message(s) of it were discarded.";

        // ----- Save-C2Checkpoint ------------------------------------------------------------------------------

        public const string NoCheckpointShort = "No checkpoint.";

        public static string NoCheckpoint(int sessionId) =>
            "Session " + N(sessionId) + " has no checkpoint: connect with -CheckpointPath (and -ManualCheckpoint to save only with Save-C2Checkpoint).";

        public const string ForeignSignalShort = "Signal of another session.";

        public static string ForeignSignal(C2StreamMessage message, int sessionId, string? checkpointPath) =>
            "Cannot save " + message + ": session " + N(message.SessionId) + " delivered it, not session " + N(sessionId) +
            (checkpointPath != null ? " (checkpoint '" + checkpointPath + "')" : "") +
            ". Save each signal with the session that delivered it: -Session " + N(message.SessionId) + ". Nothing was saved.";

        public static string PassedOver(int count) =>
            "Save-C2Checkpoint: " + N(count) + " object(s) without a checkpoint position " +
            "(position updates, or history orders of a range that does not start at the stream's position) passed over.";

        public static string SaveTarget(object key, long seq) => key + " up to seq_id " + N(seq);

        public static string SaveFailed(string? path, string error) => "Could not save to the checkpoint '" + path + "': " + error + " Nothing was saved.";

        public static string Saved(object key, long seq) => "Save-C2Checkpoint: " + key + " saved up to seq_id " + N(seq) + ".";

        public static string AlreadySaved(int count) =>
            "Save-C2Checkpoint: " + N(count) + " stream(s) were already saved that far or further (a checkpoint only moves forward).";
    }
}
