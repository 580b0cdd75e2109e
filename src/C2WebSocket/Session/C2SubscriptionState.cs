using System;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    public enum C2SubscriptionState
    {
        /// <summary>Sent (or waiting for a connection); no acknowledgement yet.</summary>
        Pending,
        /// <summary>Acknowledged by the server.</summary>
        Active,
        /// <summary>Refused by the server, or not restored (the error is in <see cref="C2Subscription.LastError"/>).</summary>
        Failed,
        /// <summary>Unsubscribed with Remove-C2Subscription.</summary>
        Removed,
        /// <summary>Its session was closed (Disconnect-C2Socket) or failed.</summary>
        Closed,
    }
}
