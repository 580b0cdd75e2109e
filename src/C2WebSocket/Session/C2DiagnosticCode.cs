using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>What a diagnostic is about. The cmdlet layer maps each code to an ErrorId, a category and a recommended action.</summary>
    public enum C2DiagnosticCode
    {
        Info,
        /// <summary>The key was refused (HTTP 401).</summary>
        AuthenticationFailed,
        /// <summary>Reconnect attempts used up.</summary>
        ReconnectFailed,
        /// <summary>An internal error stopped the session.</summary>
        SessionFaulted,
        /// <summary>A message exceeded the size cap; the connection was recycled.</summary>
        MessageTooLarge,
        /// <summary>A server error not tied to one of this client's requests.</summary>
        ServerError,
        /// <summary>The server refused a subscription.</summary>
        SubscriptionRefused,
        /// <summary>A subscription could not be restored after a reconnect or a replay page.</summary>
        ResubscribeFailed,
        /// <summary>The server could not replay a range of signals.</summary>
        ReplayGap,
        /// <summary>The inbox of a stream was full (recovered for signals, lost for position updates).</summary>
        InboxOverflow,
        /// <summary>Signals with seq_id 1 (or lower) cannot be replayed by the protocol.</summary>
        NotReplayable,
        /// <summary>A stream's seq_id went back with a new message id: its sequence restarted, or a resume point was beyond it.</summary>
        SequenceAnomaly,
        /// <summary>Messages that do not name their strategy share a connection with other strategies.</summary>
        Unattributed,
        /// <summary>The checkpoint file could not be written.</summary>
        CheckpointWriteFailed,
        /// <summary>A message could not be decoded or had envelope fields of the wrong type.</summary>
        MalformedMessage,
        /// <summary>The server speaks another protocol version.</summary>
        ProtocolVersion,
        /// <summary>The connection was lost with reconnecting turned off: the session ended (a warning).</summary>
        ConnectionLost,
    }
}
