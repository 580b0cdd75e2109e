using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// The one table of the module's errors: each ErrorId with its category, when it happens and what to do. Background
    /// code reports typed codes (<see cref="C2DiagnosticCode"/>, <see cref="C2ConnectFailure"/>, <see cref="C2DeliveryProblem"/>);
    /// this is where they become ErrorRecords. The help's error list (about_C2WebSocket) is tested against it.
    /// </summary>
    public static class C2ErrorTable
    {
        public sealed class Entry
        {
            internal Entry(string errorId, ErrorCategory category, string when, string? action)
            { ErrorId = errorId; Category = category; When = when; RecommendedAction = action; }
            public string ErrorId { get; }
            public ErrorCategory Category { get; }
            public string When { get; }
            public string? RecommendedAction { get; }
        }

        private static readonly Entry[] Entries =
        {
            new Entry(C2ErrorId.ApiKeyMissing, ErrorCategory.InvalidArgument, "No -ApiKey and no $env:C2_API_KEY.", "Pass -ApiKey (a SecureString, for example from Get-Secret, or a string) or set $env:C2_API_KEY."),
            new Entry(C2ErrorId.AuthenticationFailed, ErrorCategory.AuthenticationError, "The server answered 401: the key is wrong or revoked.", "Check the API key: pass -ApiKey (a SecureString, e.g. from Get-Secret) or set $env:C2_API_KEY."),
            new Entry(C2ErrorId.RateLimited, ErrorCategory.LimitsExceeded, "429: too many connections for the key, or too many attempts.", "Wait before connecting again; close other sessions that use the same API key."),
            new Entry(C2ErrorId.ServiceUnavailable, ErrorCategory.ResourceUnavailable, "503: the service is at its connection limit or down for maintenance.", "Try again later."),
            new Entry(C2ErrorId.UpgradeFailed, ErrorCategory.ProtocolError, "The server answered the WebSocket upgrade with another HTTP status.", "Check -Uri."),
            new Entry(C2ErrorId.DnsFailed, ErrorCategory.ConnectionError, "The host name could not be resolved.", "Check -Uri and the machine's DNS."),
            new Entry(C2ErrorId.TcpFailed, ErrorCategory.ConnectionError, "No TCP connection could be opened.", "Check -Uri, the network and firewalls."),
            new Entry(C2ErrorId.TlsFailed, ErrorCategory.SecurityError, "The TLS handshake failed (untrusted or invalid certificate).", "The server's certificate must be valid and trusted; validation is never turned off."),
            new Entry(C2ErrorId.ProxyFailed, ErrorCategory.ConnectionError, "The proxy refused or failed the connection.", "Check -Proxy and -ProxyCredential, or use -NoProxy."),
            new Entry(C2ErrorId.ConnectTimeout, ErrorCategory.OperationTimeout, "DNS, TCP, TLS, the upgrade and connection.connected did not complete within -TimeoutSec.", "Check the address and the network, or raise -TimeoutSec."),
            new Entry(C2ErrorId.ConnectionRejected, ErrorCategory.LimitsExceeded, "The server accepted and closed the connection at once (PolicyViolation 1008).", "Wait before connecting again; another connection with this key was opened at the same moment."),
            new Entry(C2ErrorId.ConnectFailed, ErrorCategory.ConnectionError, "The connection failed otherwise.", "Check -Uri and the network; run Test-C2Connection -Verbose."),
            new Entry(C2ErrorId.UnencryptedAuthentication, ErrorCategory.SecurityError, "ws:// to a remote host without -AllowUnencryptedAuthentication.", "Use wss://, or pass -AllowUnencryptedAuthentication if you accept that the key can be read on the network."),
            new Entry(C2ErrorId.InvalidParameterCombination, ErrorCategory.InvalidArgument, "Parameters that do not fit together.", "Remove one of the parameters named in the message."),
            new Entry(C2ErrorId.CheckpointUnreadable, ErrorCategory.ReadError, "The checkpoint file cannot be read, or is not a checkpoint.", "Check -CheckpointPath: its folder must exist and the file must be a C2WebSocket checkpoint (move a foreign file aside)."),
            new Entry(C2ErrorId.CheckpointInUse, ErrorCategory.ResourceBusy, "Another session (in this or another process) owns a strategy of the same checkpoint file: two owners would both act on every signal.", "Let the other run finish (bound runs with Receive-C2Signal -TimeoutSec), wait for it with Connect-C2Socket -WaitForCheckpointSec, or use another -CheckpointPath."),
            new Entry(C2ErrorId.CheckpointNotEnabled, ErrorCategory.InvalidOperation, "Save-C2Checkpoint for a session opened without -CheckpointPath.", "Connect with -CheckpointPath (and -ManualCheckpoint to save only explicitly)."),
            new Entry(C2ErrorId.CheckpointForeignSignal, ErrorCategory.InvalidArgument, "Save-C2Checkpoint with a signal another session delivered (another session, possibly another checkpoint).", "Save each signal with the session that delivered it (signals carry SessionId)."),
            new Entry(C2ErrorId.CheckpointBeyondDelivered, ErrorCategory.InvalidArgument, "Save-C2Checkpoint with a seq_id this session has not delivered (saving N says everything up to N is done).", "Save only seq_ids that Receive-C2Signal gave you."),
            new Entry(C2ErrorId.CheckpointNotOwned, ErrorCategory.InvalidOperation, "Save-C2Checkpoint for a stream the session no longer owns (it was unsubscribed).", "Subscribe to the strategy again before saving."),
            new Entry(C2ErrorId.CheckpointWriteFailed, ErrorCategory.WriteError, "The checkpoint file cannot be written (progress is kept in memory and written at the next chance).", "Check the permissions and free space of the checkpoint's folder."),
            new Entry(C2ErrorId.NoSession, ErrorCategory.ObjectNotFound, "No session was given and the runspace has no default session.", "Run Connect-C2Socket, or pass a session with -Session (Get-C2Session lists them)."),
            new Entry(C2ErrorId.SessionNotFound, ErrorCategory.ObjectNotFound, "No session with that Id in this runspace.", "Get-C2Session lists the sessions of this runspace."),
            new Entry(C2ErrorId.SessionClosed, ErrorCategory.ResourceUnavailable, "The session is Disconnected or Failed.", "Connect again with Connect-C2Socket."),
            new Entry(C2ErrorId.SessionEnded, ErrorCategory.ResourceUnavailable, "Receive-C2Signal: the session ended (Failed, or Disconnected by the server with reconnecting off), before the read or during it after what was queued; terminating, with the session's state and EndReason. Not when the user's own Disconnect-C2Socket ends a running read.", "Connect again with Connect-C2Socket: a checkpoint (-CheckpointPath) or Add-C2Subscription -ResumeFrom resumes from the last processed seq_id."),
            new Entry(C2ErrorId.SubscriptionRefused, ErrorCategory.InvalidOperation, "The server refused a subscription (for example FORBIDDEN for a strategy the key may not read); the category follows the server's code.", "Check that the API key is authorized for the strategy."),
            new Entry(C2ErrorId.SubscriptionLimit, ErrorCategory.LimitsExceeded, "More than 100 subscriptions on one connection.", "Remove some subscriptions or open another session."),
            new Entry(C2ErrorId.SubscriptionTimeout, ErrorCategory.OperationTimeout, "No acknowledgement within -TimeoutSec.", "Try again, or raise -TimeoutSec."),
            new Entry(C2ErrorId.ResumeFromNotSupported, ErrorCategory.InvalidArgument, "-ResumeFrom with strategy.positions (C2 replays strategy.signal only).", "Remove strategy.positions from -Channel or drop -ResumeFrom."),
            new Entry(C2ErrorId.SubscriptionNotFound, ErrorCategory.ObjectNotFound, "Remove-C2Subscription for a subscription the session does not have.", "Get-C2Subscription lists the session's subscriptions."),
            new Entry(C2ErrorId.UnsubscribeRefused, ErrorCategory.InvalidOperation, "The server refused an unsubscribe.", "The subscription is removed locally anyway."),
            new Entry(C2ErrorId.NotSubscribed, ErrorCategory.ObjectNotFound, "Receive-C2Signal -StrategyId for a strategy the session does not subscribe.", "Add-C2Subscription -StrategyId first, or fix the id."),
            new Entry(C2ErrorId.ReplayGap, ErrorCategory.LimitsExceeded, "The server could not replay a range of signals (it no longer holds them: a replay began above the point asked for, or a page added nothing); the target object (C2DeliveryGap) names the strategy and range.", "Fetch the range from the C2 REST API (GetStrategyHistoricalOrders)."),
            new Entry(C2ErrorId.InboxOverflow, ErrorCategory.LimitsExceeded, "The inbox of a strategy.positions stream was full: updates were dropped (signals are fetched again instead, with a warning).", "Receive faster or raise -InboxCapacity; refresh positions from the REST API."),
            new Entry(C2ErrorId.ResubscribeFailed, ErrorCategory.ConnectionError, "A subscription could not be restored after a reconnect or a replay page.", "Subscribe again; fetch the range from the C2 REST API."),
            new Entry(C2ErrorId.SignalNotReplayable, ErrorCategory.LimitsExceeded, "A stream with no resume point was replayed from its start and seq_id 1 may be missing (resume_from cannot fetch it).", "Check the strategy's first signal with the C2 REST API."),
            new Entry(C2ErrorId.ReconnectFailed, ErrorCategory.ConnectionError, "Reconnect attempts used up (-MaxReconnectAttempts).", "Connect again: the checkpoint or -ResumeFrom resumes from the last processed seq_id."),
            new Entry(C2ErrorId.SessionFaulted, ErrorCategory.NotSpecified, "The session stopped after an internal error.", "Connect again, and report the error."),
            new Entry(C2ErrorId.MessageTooLarge, ErrorCategory.InvalidData, "A message exceeded -MaxMessageSizeKB; the connection was recycled and resumed.", "Raise -MaxMessageSizeKB if the server's messages are that large."),
            new Entry(C2ErrorId.ServerError, ErrorCategory.InvalidOperation, "The server reported an error not tied to a request of this client; the category follows the server's code.", null),
            new Entry(C2ErrorId.RestForbidden, ErrorCategory.PermissionDenied, "C2's REST API answered 403: the key may not read that strategy's orders.", "Check that the API key is authorized for the strategy."),
            new Entry(C2ErrorId.RestNotFound, ErrorCategory.ObjectNotFound, "C2's REST API answered 404: the method is not at that address.", "Check -RestUri, or the session's -Uri it is derived from (wss://host/ws -> https://host/)."),
            new Entry(C2ErrorId.RestRefused, ErrorCategory.InvalidArgument, "C2's REST API refused a request (400 or another 4xx); the message names the parameter the server refused and what it said.", "Fix the parameter the server named."),
            new Entry(C2ErrorId.RestRateLimited, ErrorCategory.LimitsExceeded, "C2's REST API still answered 429 after the retries, or asked to wait longer than a minute.", "Wait before asking again; other scripts may be using the same API key."),
            new Entry(C2ErrorId.RestUnavailable, ErrorCategory.ResourceUnavailable, "C2's REST API still answered 502, 503 or 504 after the retries (maintenance or overload).", "Try again later."),
            new Entry(C2ErrorId.RestServerError, ErrorCategory.InvalidResult, "C2's REST API failed (500 or another 5xx); the message carries what it said.", "Try again later; report it to C2 if it persists."),
            new Entry(C2ErrorId.RestTimeout, ErrorCategory.OperationTimeout, "C2's REST API did not answer within -TimeoutSec.", "Try again, or raise -TimeoutSec."),
            new Entry(C2ErrorId.RestConnectFailed, ErrorCategory.ConnectionError, "C2's REST API could not be reached (DNS, TCP, TLS or the proxy).", "Check -RestUri (or -Uri), the network and -Proxy."),
            new Entry(C2ErrorId.RestInvalidResponse, ErrorCategory.InvalidData, "C2's REST API answered something other than its documented JSON (a body that is not JSON, a redirect, a cursor that repeats).", "Check -RestUri; the message shows the start of what came back."),
        };

        private static readonly Dictionary<string, Entry> ById = Entries.ToDictionary(e => e.ErrorId, StringComparer.Ordinal);

        /// <summary>Every ErrorId the module writes.</summary>
        public static IReadOnlyList<Entry> All => Entries;

        public static Entry Get(string errorId) => ById[errorId];

        internal static string IdFor(C2ConnectFailure failure)
        {
            switch (failure)
            {
                case C2ConnectFailure.AuthenticationFailed: return C2ErrorId.AuthenticationFailed;
                case C2ConnectFailure.RateLimited: return C2ErrorId.RateLimited;
                case C2ConnectFailure.ServiceUnavailable: return C2ErrorId.ServiceUnavailable;
                case C2ConnectFailure.UpgradeFailed: return C2ErrorId.UpgradeFailed;
                case C2ConnectFailure.DnsFailed: return C2ErrorId.DnsFailed;
                case C2ConnectFailure.TcpFailed: return C2ErrorId.TcpFailed;
                case C2ConnectFailure.TlsFailed: return C2ErrorId.TlsFailed;
                case C2ConnectFailure.ProxyFailed: return C2ErrorId.ProxyFailed;
                case C2ConnectFailure.ConnectTimeout: return C2ErrorId.ConnectTimeout;
                case C2ConnectFailure.ConnectionRejected: return C2ErrorId.ConnectionRejected;
                default: return C2ErrorId.ConnectFailed;
            }
        }

        internal static string? IdFor(C2DiagnosticCode code)
        {
            switch (code)
            {
                case C2DiagnosticCode.AuthenticationFailed: return C2ErrorId.AuthenticationFailed;
                case C2DiagnosticCode.ReconnectFailed: return C2ErrorId.ReconnectFailed;
                case C2DiagnosticCode.SessionFaulted: return C2ErrorId.SessionFaulted;
                case C2DiagnosticCode.MessageTooLarge: return C2ErrorId.MessageTooLarge;
                case C2DiagnosticCode.ServerError: return C2ErrorId.ServerError;
                case C2DiagnosticCode.CheckpointWriteFailed: return C2ErrorId.CheckpointWriteFailed;
                default: return null;
            }
        }

        internal static string IdFor(C2DeliveryProblem problem)
        {
            switch (problem)
            {
                case C2DeliveryProblem.ReplayLimitExceeded: return C2ErrorId.ReplayGap;
                case C2DeliveryProblem.InboxOverflow: return C2ErrorId.InboxOverflow;
                case C2DeliveryProblem.NotReplayable: return C2ErrorId.SignalNotReplayable;
                default: return C2ErrorId.ResubscribeFailed;
            }
        }

        /// <summary>The category of what the server said (error codes of docs/protocol.md §9.4).</summary>
        internal static ErrorCategory ForServerCode(string? code)
        {
            switch (code?.ToUpperInvariant())
            {
                case "FORBIDDEN": return ErrorCategory.PermissionDenied;
                case "UNAUTHORIZED": return ErrorCategory.AuthenticationError;
                case "INVALID_PARAMETER":
                case "MANDATORY_PARAM_EMPTY_OR_MALFORMED":
                case "OPTIONAL_PARAMS_BAD_COMBO": return ErrorCategory.InvalidArgument;
                case "NOT_FOUND": return ErrorCategory.ObjectNotFound;
                case "SUBSCRIPTION_LIMIT": return ErrorCategory.LimitsExceeded;
                default: return ErrorCategory.InvalidOperation;
            }
        }

        /// <summary>An ErrorRecord for an ErrorId of the table, with its message and recommended action.</summary>
        internal static ErrorRecord Record(string errorId, Exception exception, object? target, string message, ErrorCategory? category = null, string? action = null)
        {
            var entry = Get(errorId);
            var record = new ErrorRecord(exception, errorId, category ?? entry.Category, target)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = action ?? entry.RecommendedAction },
            };
            return record;
        }

        internal static ErrorRecord Record(C2ConnectException ex) => Record(IdFor(ex.Failure), ex, ex.Uri, ex.Message);

        /// <summary>C2SessionEnded for a session that is Disconnected or Failed: its state, when and why; the stored failure
        /// (a refused key, an internal error) is the inner exception and chooses the recommended action.</summary>
        internal static ErrorRecord SessionEnded(C2Session session)
        {
            var at = session.EndedAt is DateTimeOffset t ? " at " + t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "";
            var text = session.Label + " ended (" + session.State + ")" + at + ": " + (session.EndReason ?? "no reason recorded") + ". Nothing more will arrive from it.";
            var cause = session.EndCause;
            var action = cause is C2ConnectException connect ? Get(IdFor(connect.Failure)).RecommendedAction + " Then connect again with Connect-C2Socket." : null;
            return Record(C2ErrorId.SessionEnded, new C2SessionEndedException(text, session, cause), session, text, null, action);
        }

        internal static string IdFor(Rest.C2RestFailure failure)
        {
            switch (failure)
            {
                case Rest.C2RestFailure.AuthenticationFailed: return C2ErrorId.AuthenticationFailed;
                case Rest.C2RestFailure.Forbidden: return C2ErrorId.RestForbidden;
                case Rest.C2RestFailure.NotFound: return C2ErrorId.RestNotFound;
                case Rest.C2RestFailure.Refused: return C2ErrorId.RestRefused;
                case Rest.C2RestFailure.RateLimited: return C2ErrorId.RestRateLimited;
                case Rest.C2RestFailure.Unavailable: return C2ErrorId.RestUnavailable;
                case Rest.C2RestFailure.ServerError: return C2ErrorId.RestServerError;
                case Rest.C2RestFailure.Timeout: return C2ErrorId.RestTimeout;
                case Rest.C2RestFailure.ConnectFailed: return C2ErrorId.RestConnectFailed;
                default: return C2ErrorId.RestInvalidResponse;
            }
        }

        /// <summary>A REST failure, with <paramref name="target"/> (the strategy asked about) as TargetObject. A TLS failure is a SecurityError.</summary>
        internal static ErrorRecord Record(Rest.C2RestException ex, object? target)
        {
            var category = ex.IsTlsFailure ? ErrorCategory.SecurityError : (ErrorCategory?)null;
            return Record(IdFor(ex.Failure), ex, target, ex.Message, category);
        }

        internal static ErrorRecord Record(C2DeliveryGap gap, History.GapFillReport? fill = null)
        {
            var text = GapText(gap, fill);
            return Record(IdFor(gap.Problem), new C2DeliveryException(text, gap), gap, text);
        }

        /// <summary>A range's words: what is missing, what the server said, and what history did for it (or would).</summary>
        internal static string GapText(C2DeliveryGap gap, History.GapFillReport? fill)
        {
            gap.Fill = fill?.Text;
            var message = fill != null && gap.Message.EndsWith(C2DeliveryGap.RestAdvice, StringComparison.Ordinal)
                ? gap.Message.Substring(0, gap.Message.Length - C2DeliveryGap.RestAdvice.Length)
                : gap.Message;
            return message + " Missing: " + gap.Range +
                   (gap.Count.HasValue ? " (" + gap.Count.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + " message(s) counted)" : "") + "." +
                   (gap.ServerMessage != null ? " The server said: " + gap.ServerMessage : "") +
                   (fill != null ? " " + fill.Text : "");
        }
    }
}
