using System;

namespace C2WebSocket
{
    /// <summary>
    /// The reconnect decisions that depend on how a connection ended, with no clock of their own (the caller passes the
    /// elapsed times it measured through the session's TimeProvider).
    /// </summary>
    internal static class ReconnectPolicy
    {
        /// <summary>The server closes a connection that lost the connect race "at once" after the upgrade (§9.2): its
        /// close follows connection.connected (if the server sends that at all) by a round trip. Two seconds cover a slow
        /// network and a loaded client; an established connection has normally been answered (an ack, a heartbeat,
        /// data) or lived longer than that.</summary>
        public static readonly TimeSpan RaceWindow = TimeSpan.FromSeconds(2);

        /// <summary>A 1008 close this soon after the previous one is throttled whatever the connection's age.</summary>
        public static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(1);

        /// <param name="connected">connection.connected had arrived on the connection.</param>
        /// <param name="sinceConnected">Time from connection.connected to the close.</param>
        /// <param name="heardSinceConnected">Any message arrived after connection.connected.</param>
        /// <param name="sincePreviousPolicyClose">Time since the previous 1008 close of this connection slot, if any.</param>
        public static PolicyCloseRule JudgePolicyClose(bool connected, TimeSpan sinceConnected, bool heardSinceConnected, TimeSpan? sincePreviousPolicyClose)
        {
            if (!connected || (sinceConnected < RaceWindow && !heardSinceConnected)) return PolicyCloseRule.ConnectRace;
            if (sincePreviousPolicyClose is TimeSpan since && since < RepeatWindow) return PolicyCloseRule.Repeated;
            return PolicyCloseRule.Established;
        }
    }
}
