using System;
using System.Text;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A <c>strategy.positions</c> message.</summary>
    public sealed class C2PositionUpdate : C2StreamMessage
    {
        internal C2PositionUpdate(int sessionId, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
            : base(sessionId, Channels.Positions, strategyId, env, utf8, receivedAt, epoch) { }
    }
}
