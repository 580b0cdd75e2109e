using System;

namespace C2WebSocket
{
    /// <summary>Which rule applied to a connection the server closed with PolicyViolation (1008).</summary>
    internal enum PolicyCloseRule
    {
        /// <summary>Closed before connection.connected, or within <see cref="ReconnectPolicy.RaceWindow"/> after it with
        /// nothing else heard: the connect race of docs/protocol.md §9.2. Throttled.</summary>
        ConnectRace,
        /// <summary>A second 1008 close of the connection within <see cref="ReconnectPolicy.RepeatWindow"/>: the server
        /// keeps refusing. Throttled.</summary>
        Repeated,
        /// <summary>An established connection (connected, and talking or older than the race window): the close is
        /// about something else (C2 documents no other use of 1008, §14 item 11). Normal backoff.</summary>
        Established,
    }
}
