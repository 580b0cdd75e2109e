using System;
using System.Globalization;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The words of the session itself: its name in diagnostics, its state changes and end, what arrived that it could not
    /// use (malformed messages, another protocol version) and how its clock compares. The session decides and passes the
    /// facts; the sentences are built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class SessionTexts
    {
        /// <summary>How diagnostics name a session: "Session 3"; before it opened "Connect-C2Socket", and
        /// "Test-C2Connection" for the connection test (which takes no id).</summary>
        public static string Label(bool isProbe, int id) =>
            isProbe ? "Test-C2Connection" : id == 0 ? "Connect-C2Socket" : "Session " + id.ToString(CultureInfo.InvariantCulture);

        public const string StrategyIdNotPositive = "StrategyId must be a positive integer.";

        public static string ChannelInvalid() => "Channel must be one of: " + string.Join(", ", Channels.All) + ".";

        public static string NotOpen(int id, C2SessionState state, string? endReason) =>
            "Session " + id + " is " + state + " (" + endReason + "); connect again with Connect-C2Socket.";

        public static string NotOpen(string label, C2SessionState state) => label + " is " + state + "; connect again with Connect-C2Socket.";

        public static string LostWithoutReconnect(string reason) =>
            "lost its connection (" + reason + ") and reconnecting is turned off (-MaxReconnectAttempts 0)";

        public static string StateChanged(string label, C2SessionState previous, C2SessionState state) => label + ": " + previous + " -> " + state + ".";

        public static string StateHandlerThrew(string error) => "A StateChanged event handler threw: " + error;

        public const string Connected = "connected";
        public const string Reconnected = "reconnected; subscriptions restored";
        public const string LinkNotReady = "a connection is not ready";
        public const string FirstConnectionFailed = "the first connection failed";
        public const string ClosedByUser = "closed by the user";

        public static string Faulted(string label, string error) => label + " stopped after an internal error: " + error;

        public static string FaultReason(string error) => "internal error: " + error;

        public static string Ended(string label, string reason) => label + " ended: " + reason;

        public static string WasClosed(string label) => label + " was closed.";

        public static string Closing(string label) => label + ": closing (status 1000).";

        public static string QueuedDiscarded(string label, int dropped) =>
            label + ": " + dropped.ToString(CultureInfo.InvariantCulture) + " queued message(s) that no Receive-C2Signal had taken were discarded.";

        public static string DebugLinesHidden(string label, int hidden) =>
            label + ": (" + hidden.ToString(CultureInfo.InvariantCulture) + " more debug lines in the last second were not shown)";

        public static string BinaryFrame(int length) => "a binary frame of " + length.ToString(CultureInfo.InvariantCulture) + " bytes (C2 sends JSON text)";

        public static string WrongFieldType(string type, string problem) => "a " + type + " message: " + problem;

        public static string DisconnectAnnounced(string label, object link) =>
            label + ": the server announced connection.disconnected on " + link + "; expecting the socket to close.";

        public static string UnknownType(string label, string? type) => label + ": ignored a message of unknown type '" + type + "'.";

        public static string HeartbeatAnswered(string label, object link) => label + ": heartbeat on " + link + " answered with heartbeat.ack.";

        public static string ClockOffset(string label, TimeSpan offset) =>
            string.Format(CultureInfo.InvariantCulture, "{0}: the local clock is {1:0.#} s {2} the server's; timestamps sent are corrected.",
                label, Math.Abs(offset.TotalSeconds), offset > TimeSpan.Zero ? "behind" : "ahead of");

        public static string OtherProtocolVersion(int version) =>
            "The C2 server speaks protocol version " + version.ToString(CultureInfo.InvariantCulture) +
            "; this module was written for version 4. Messages are still processed; check for a module update.";

        public static string StateChange(int sessionId, C2SessionState previous, C2SessionState state, string? reason) =>
            "Session " + sessionId.ToString(CultureInfo.InvariantCulture) + ": " + previous + " -> " + state + " (" + reason + ")";

        public static string ServerAnswered(string context, object error) => context + ": the server answered " + error + ".";

        public static string Malformed(string label, string reason, string? detail) => label + ": skipped a server message (" + reason + "): " + detail;
    }
}
