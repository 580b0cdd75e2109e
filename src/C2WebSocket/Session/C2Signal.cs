using System;
using System.Globalization;
using System.Text;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A <c>strategy.signal</c> message, or an order from C2's REST history delivered in its stream (<see cref="C2StreamMessage.Source"/>).</summary>
    public sealed class C2Signal : C2StreamMessage
    {
        internal C2Signal(int sessionId, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
            : base(sessionId, Channels.Signal, strategyId, env, utf8, receivedAt, epoch) { }

        private C2Signal(int sessionId, long strategyId, string? id, DateTimeOffset? time, byte[] row, DateTimeOffset receivedAt, long epoch, C2DeliveryGap gap)
            : base(sessionId, Channels.Signal, strategyId, id, time, row, receivedAt, epoch, gap) { }

        /// <summary>The signal object of a REST order row that fills <paramref name="gap"/>: Source "History", the row's
        /// fields as the payload, its Id and posting time (<paramref name="time"/>, read by the matcher) as Id and Timestamp.</summary>
        internal static C2Signal FromHistory(C2RestRow row, C2DeliveryGap gap, DateTimeOffset? time, DateTimeOffset receivedAt, long epoch)
        {
            var rowId = row.Fields["Id"];
            var id = rowId is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : rowId as string;
            return new C2Signal(gap.SessionId, gap.StrategyId ?? row.QueriedStrategyId ?? 0, id, time, row.Utf8, receivedAt, epoch, gap);
        }
    }
}
