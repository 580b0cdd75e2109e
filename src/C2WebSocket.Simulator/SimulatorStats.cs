using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket.Simulator;

/// <summary>Thread-safe counters of one simulator (live object; read any time).</summary>
public sealed class SimulatorStats
{
    internal long connectionsAccepted, handshakesRejected, heartbeatsSent, heartbeatAcksReceived,
        connectionsClosedForMissedAck, subscriptionRequests, subscribes, unsubscribes, messagesSent,
        invalidClientMessages, errorsSent, policyViolationCloses, signalsPublished, positionsPublished,
        gapsSent, replayedMessages, retentionHoles, streamRestarts, envelopeOverridesSent;
    private long lastSkewTicks;
    private int hasSkew;
    internal readonly ConcurrentDictionary<string, long> byType = new(StringComparer.Ordinal);

    /// <summary>WebSocket upgrades completed (connections that received connection.connected).</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref connectionsAccepted);
    /// <summary>Upgrade requests refused with an HTTP status (401/429/503/queued rejections).</summary>
    public long HandshakesRejected => Interlocked.Read(ref handshakesRejected);
    /// <summary>Upgrades accepted then closed at once with 1008 (PolicyViolationOnNextHandshakes).</summary>
    public long PolicyViolationCloses => Interlocked.Read(ref policyViolationCloses);
    public long HeartbeatsSent => Interlocked.Read(ref heartbeatsSent);
    public long HeartbeatAcksReceived => Interlocked.Read(ref heartbeatAcksReceived);
    public long ConnectionsClosedForMissedAck => Interlocked.Read(ref connectionsClosedForMissedAck);
    /// <summary>All subscription.request messages received (valid or not).</summary>
    public long SubscriptionRequests => Interlocked.Read(ref subscriptionRequests);
    /// <summary>Successful subscribe actions (acked).</summary>
    public long Subscribes => Interlocked.Read(ref subscribes);
    /// <summary>Successful unsubscribe actions (acked unless <see cref="SimulatorOptions.AckUnsubscribe"/> is false).</summary>
    public long Unsubscribes => Interlocked.Read(ref unsubscribes);
    /// <summary>WebSocket messages actually written to sockets (all kinds).</summary>
    public long MessagesSent => Interlocked.Read(ref messagesSent);
    public long InvalidClientMessages => Interlocked.Read(ref invalidClientMessages);
    public long ErrorsSent => Interlocked.Read(ref errorsSent);
    public long SignalsPublished => Interlocked.Read(ref signalsPublished);
    public long PositionsPublished => Interlocked.Read(ref positionsPublished);
    public long GapsSent => Interlocked.Read(ref gapsSent);
    public long ReplayedMessages => Interlocked.Read(ref replayedMessages);
    /// <summary>Replays asked for from below the oldest signal held (<see cref="SimulatorOptions.ReplayRetention"/>).</summary>
    public long RetentionHoles => Interlocked.Read(ref retentionHoles);
    /// <summary>Calls of <see cref="C2Simulator.RestartStream"/>.</summary>
    public long StreamRestarts => Interlocked.Read(ref streamRestarts);
    /// <summary>Calls of <see cref="C2Simulator.PublishWithEnvelopeOverride"/>.</summary>
    public long EnvelopeOverridesSent => Interlocked.Read(ref envelopeOverridesSent);

    /// <summary>Count of client messages per msg_type ("(invalid)" for unparseable ones).</summary>
    public IReadOnlyDictionary<string, long> ClientMessagesByType => new Dictionary<string, long>(byType);

    /// <summary>client timestamp - server now, of the last client message that carried a parseable timestamp.</summary>
    public TimeSpan? LastClientTimestampSkew =>
        Volatile.Read(ref hasSkew) == 0 ? null : TimeSpan.FromTicks(Interlocked.Read(ref lastSkewTicks));

    internal void RecordSkew(TimeSpan skew)
    {
        Interlocked.Exchange(ref lastSkewTicks, skew.Ticks);
        Volatile.Write(ref hasSkew, 1);
    }

    internal void CountType(string type) => byType.AddOrUpdate(type, 1, static (_, v) => v + 1);

    public override string ToString() =>
        $"accepted={ConnectionsAccepted} rejected={HandshakesRejected} hb={HeartbeatsSent}/{HeartbeatAcksReceived} " +
        $"missedAckCloses={ConnectionsClosedForMissedAck} subReq={SubscriptionRequests} sent={MessagesSent} invalid={InvalidClientMessages}";
}
