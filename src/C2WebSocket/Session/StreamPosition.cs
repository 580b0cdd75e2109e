using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A stream's position: the seq_id reached in a sequence epoch, with the server time of that message, the
    /// order id (signal id) of that message when gap fill needs it, and, for a range after that seq_id filled from C2's
    /// REST history, the posting time of the last history order written (Connect-C2Socket -FillGapsFromHistory).</summary>
    internal readonly struct StreamPosition
    {
        public StreamPosition(long epoch, long seq, DateTimeOffset? at, long? orderId = null,
                              DateTimeOffset? historyThrough = null, long? historyOrderId = null)
        {
            Epoch = epoch; Seq = seq; At = at; OrderId = orderId; HistoryThrough = historyThrough; HistoryOrderId = historyOrderId;
        }
        public long Epoch { get; }
        public long Seq { get; }
        public DateTimeOffset? At { get; }
        /// <summary>The signal id of the message at <see cref="Seq"/>, when known.</summary>
        public long? OrderId { get; }
        /// <summary>History orders of the range after <see cref="Seq"/> were written up to this posting time.</summary>
        public DateTimeOffset? HistoryThrough { get; }
        /// <summary>The SignalId of that last history order, when it has one (orders posted at the same instant are told apart by it).</summary>
        public long? HistoryOrderId { get; }

        /// <summary>Further along: a later epoch (a re-based sequence), else a higher seq_id, else more of the range
        /// after it written from history.</summary>
        public bool IsBeyond(StreamPosition other)
        {
            if (Epoch != other.Epoch) return Epoch > other.Epoch;
            if (Seq != other.Seq) return Seq > other.Seq;
            return HistoryThrough.HasValue && (!other.HistoryThrough.HasValue || HistoryThrough.Value > other.HistoryThrough.Value);
        }

        /// <summary>This position with history orders of the range after it written up to <paramref name="through"/>.</summary>
        public StreamPosition WithHistoryThrough(DateTimeOffset through, long? historyOrderId) =>
            new StreamPosition(Epoch, Seq, At, OrderId, through, historyOrderId);

        public CheckpointEntry ToEntry() =>
            new CheckpointEntry(Seq, Epoch, At, null, orderId: OrderId, historyThrough: HistoryThrough, historyOrderId: HistoryOrderId);

        /// <summary>Keeps the furthest position per stream; of two history orders posted at the same instant, the later
        /// one given (they are written and saved in the range's order).</summary>
        public static void Advance(Dictionary<StreamKey, StreamPosition> map, StreamKey key, StreamPosition p)
        {
            if (!map.TryGetValue(key, out var old) || p.IsBeyond(old) || p.SameHistoryInstant(old)) map[key] = p;
        }

        /// <summary>Both are history orders of the same range posted at the same instant.</summary>
        public bool SameHistoryInstant(StreamPosition other) =>
            Epoch == other.Epoch && Seq == other.Seq && HistoryThrough.HasValue && HistoryThrough == other.HistoryThrough;
    }
}
