using System;

namespace C2WebSocket
{
    /// <summary>What a checkpoint knows of one stream: the last processed seq_id (with its sequence epoch and server
    /// time), or, for a stream that has delivered nothing yet, since when it has been watched, and whether a run already
    /// reported that it could not confirm the stream complete (so later runs do not repeat the same warning).</summary>
    internal readonly struct CheckpointEntry
    {
        public CheckpointEntry(long? seq, long epoch, DateTimeOffset? at, DateTimeOffset? watchingSince, bool reported = false,
            long? orderId = null, DateTimeOffset? historyThrough = null, long? historyOrderId = null)
        {
            Seq = seq; Epoch = epoch; At = at; WatchingSince = watchingSince; Reported = reported; OrderId = orderId;
            HistoryThrough = historyThrough; HistoryOrderId = historyThrough.HasValue ? historyOrderId : null;
        }
        /// <summary>The SignalId of the last history order written for the range, when it has one.</summary>
        public long? HistoryOrderId { get; }
        /// <summary>The signal id of the message at <see cref="Seq"/> (kept for gap fill: it marks where a range begins
        /// among C2's REST history rows); null when unknown.</summary>
        public long? OrderId { get; }
        /// <summary>History orders of the range after <see cref="Seq"/> already written up to this posting time, so the
        /// next run does not write them again.</summary>
        public DateTimeOffset? HistoryThrough { get; }
        public long? Seq { get; }
        public long Epoch { get; }
        public DateTimeOffset? At { get; }
        public DateTimeOffset? WatchingSince { get; }
        /// <summary>A stream with no seq_id yet whose "cannot confirm nothing was missed" was already said by a run.</summary>
        public bool Reported { get; }

        /// <summary>The entry that covers more: a seq beats a watch time; a later epoch beats an earlier one; then the
        /// higher seq; an earlier watch beats a later one (and a watch already reported stays reported).</summary>
        public static CheckpointEntry Merge(CheckpointEntry a, CheckpointEntry b)
        {
            if (a.Seq.HasValue != b.Seq.HasValue) return a.Seq.HasValue ? a : b;
            if (a.Seq.HasValue)
            {
                if (a.Epoch != b.Epoch) return a.Epoch > b.Epoch ? a : b;
                if (a.Seq != b.Seq) return a.Seq > b.Seq ? a : b;
                // The same seq_id: the one that wrote more of the range after it from history (history orders posted at the
                // same instant: the later argument, the newer write), and whichever knows the order id.
                var further = !b.HistoryThrough.HasValue || (a.HistoryThrough.HasValue && a.HistoryThrough.Value > b.HistoryThrough.Value) ? a : b;
                var other = further.SameAs(a) ? b : a;
                return further.OrderId.HasValue || !other.OrderId.HasValue ? further
                    : new CheckpointEntry(further.Seq, further.Epoch, further.At ?? other.At, null, false, other.OrderId,
                        further.HistoryThrough, further.HistoryOrderId);
            }
            var reported = a.Reported || b.Reported;
            CheckpointEntry earlier;
            if (!a.WatchingSince.HasValue) earlier = b;
            else if (!b.WatchingSince.HasValue) earlier = a;
            else earlier = a.WatchingSince <= b.WatchingSince ? a : b;
            return earlier.Reported == reported ? earlier : new CheckpointEntry(null, 0, null, earlier.WatchingSince, reported);
        }

        public bool SameAs(CheckpointEntry b) =>
            Seq == b.Seq && Epoch == b.Epoch && At == b.At && WatchingSince == b.WatchingSince && Reported == b.Reported &&
            OrderId == b.OrderId && HistoryThrough == b.HistoryThrough && HistoryOrderId == b.HistoryOrderId;
    }
}
