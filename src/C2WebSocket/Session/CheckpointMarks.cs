using System;
using System.Collections.Generic;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// What the pipeline thread tells a session's checkpoint: a message processed (C# consumers) or emitted by a statement
    /// (Receive-C2Signal), about to be written, a history order's place in a range, a statement completed; when it is
    /// committed and flushed, and the reports of a file that cannot be written. Owns the time of the last flush and the
    /// streams whose "cannot confirm nothing was missed" was said. With no checkpoint every mark is a no-op.
    /// </summary>
    internal sealed class CheckpointMarks
    {
        private readonly C2Session _session;
        private readonly C2SessionOptions _options;
        private readonly CheckpointStore? _store;
        private readonly SessionCheckpoint? _checkpoint;
        private readonly DiagnosticSink _diagnostics;
        private readonly HashSet<StreamKey> _unverifiedWarned = new HashSet<StreamKey>();
        private long _lastFlushTicks;

        public CheckpointMarks(C2Session session, C2SessionOptions options, CheckpointStore? store, SessionCheckpoint? checkpoint, DiagnosticSink diagnostics)
        {
            _session = session; _options = options; _store = store; _checkpoint = checkpoint; _diagnostics = diagnostics;
            _lastFlushTicks = options.TimeProvider.GetTimestamp();
        }

        /// <summary>For consumers that are not a PowerShell statement (C# callers, tests, benchmarks): the message was
        /// processed, so the checkpoint advances at once (flushed periodically and at the end); not with -ManualCheckpoint.</summary>
        public void MarkProcessed(C2StreamMessage message)
        {
            if (_store == null || !message.SeqId.HasValue || !message.StrategyId.HasValue || message.Channel != Channels.Signal) return;
            _checkpoint!.Emitted(_session, message.Key, new StreamPosition(message.Epoch, message.SeqId.Value, message.Timestamp));
            if (_checkpoint.Manual) return;
            _store.Advance(message.Key, message.Epoch, message.SeqId.Value, message.Timestamp);
            FlushIfDue();
        }

        public void MarkPosition(PositionMarker marker)
        {
            if (_store == null) return;
            _checkpoint!.Emitted(_session, marker.Key, new StreamPosition(marker.Epoch, marker.Seq, marker.At));
            if (_checkpoint.Manual) return;
            _store.Advance(marker.Key, marker.Epoch, marker.Seq, marker.At);
            FlushIfDue();
        }

        /// <summary>Receive-C2Signal wrote a message (or passed a skipped position): it is in flight until
        /// <paramref name="statement"/> completes (see <see cref="CheckpointCommits"/>).</summary>
        public void MarkEmitted(object statement, StreamKey key, long epoch, long seq, DateTimeOffset? at, long? orderId = null)
        {
            if (_checkpoint == null || !key.IsSignal || !key.StrategyId.HasValue) return;
            _checkpoint.Emitted(statement, key, new StreamPosition(epoch, seq, at, orderId));
        }

        /// <summary>The checkpoint position of a history order written for <paramref name="gap"/> (posted at
        /// <paramref name="postedAt"/>): the range's start (its AfterSeqId, as this session emitted it or the checkpoint
        /// holds it) with the range written from history up to that time. Null without a checkpoint, or when the range
        /// does not begin at the stream's position.</summary>
        public StreamPosition? HistoryPosition(C2DeliveryGap gap, DateTimeOffset? postedAt, long? orderId)
        {
            if (_checkpoint == null || !gap.StrategyId.HasValue || !gap.AfterSeqId.HasValue || !postedAt.HasValue || gap.Channel != Channels.Signal)
                return null;
            var key = new StreamKey(Channels.Signal, gap.StrategyId);
            var start = _checkpoint.EmittedOf(key);
            if (!start.HasValue || start.Value.Seq != gap.AfterSeqId.Value)
            {
                if (!(_checkpoint.Store.Get(key) is CheckpointEntry saved) || saved.Seq != gap.AfterSeqId.Value) return null;
                start = new StreamPosition(saved.Epoch, saved.Seq!.Value, saved.At, saved.OrderId, saved.HistoryThrough, saved.HistoryOrderId);
            }
            return start.Value.WithHistoryThrough(postedAt.Value, orderId);
        }

        /// <summary>Receive-C2Signal is about to write, or wrote, a history order: it moves the stream's position within
        /// the range (see <see cref="HistoryPosition"/>).</summary>
        public void MarkHistory(object? statement, C2StreamMessage order)
        {
            if (order.FilledGap == null) return;
            if (!(HistoryPosition(order.FilledGap, order.Timestamp, History.OrderFacts.SignalIdOf(order)) is StreamPosition p)) return;
            if (statement == null) _checkpoint!.Delivering(order.Key, p);
            else _checkpoint!.Emitted(statement, order.Key, p);
        }

        /// <summary>Receive-C2Signal is about to write a message: the script may save it before the write returns.</summary>
        public void MarkDelivering(C2StreamMessage message)
        {
            if (_checkpoint == null || !message.SeqId.HasValue || !message.StrategyId.HasValue || message.Channel != Channels.Signal) return;
            _checkpoint.Delivering(message.Key, new StreamPosition(message.Epoch, message.SeqId.Value, message.Timestamp));
        }

        /// <summary>PowerShell disposed the statement: its whole pipeline ended.</summary>
        public void CompleteStatement(object statement) => _checkpoint?.StatementCompleted(statement);

        /// <summary>The commit point (the session's next command, Disconnect-C2Socket, the end of the runspace): what
        /// completed statements emitted becomes durable. A write failure is reported; progress stays in memory.</summary>
        public void Commit()
        {
            if (_checkpoint == null) return;
            Volatile.Write(ref _lastFlushTicks, _options.TimeProvider.GetTimestamp());
            try { _checkpoint.CommitCompleted(); }
            catch (Exception ex) { ReportWriteFailure(ex); }
        }

        /// <summary>True the first time a stream's "cannot confirm nothing was missed" is said in this session; the
        /// checkpoint then records it at the next commit, so later runs do not say it again.</summary>
        public bool FirstUnverifiedWarning(StreamKey key)
        {
            lock (_unverifiedWarned) if (!_unverifiedWarned.Add(key)) return false;
            _checkpoint?.NoteReported(key);
            return true;
        }

        public void ReportWriteFailure(Exception ex) =>
            _diagnostics.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.CheckpointWriteFailed,
                CheckpointTexts.WriteFailed(_session.Id, _store!.Path, ex.Message), _store.Path, ex);

        private void FlushIfDue()
        {
            if (_options.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastFlushTicks)) >= _options.CheckpointFlushInterval) Flush();
        }

        public void Flush()
        {
            if (_store == null) return;
            Volatile.Write(ref _lastFlushTicks, _options.TimeProvider.GetTimestamp());
            try { _store.Flush(); }
            catch (Exception ex) { ReportWriteFailure(ex); }
        }

        public IReadOnlyDictionary<string, CheckpointEntry> Snapshot() => _store?.Snapshot() ?? new Dictionary<string, CheckpointEntry>();
    }
}
