using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// When the checkpoint may move (the commit rule of issue 23). What a Receive-C2Signal statement emitted is
    /// "in flight" while the statement runs: downstream commands may still hold it in a buffer (Export-Csv writes its
    /// rows when its buffer fills or the pipeline ends). When PowerShell disposes the statement's commands (the whole
    /// pipeline ended, every downstream command finished or was stopped), its positions become "completed"; they are
    /// committed at the session's next command, Disconnect-C2Socket or the end of the runspace, as Kafka's auto-commit
    /// commits a poll's offsets at the next poll. With -ManualCheckpoint nothing is committed here: Save-C2Checkpoint
    /// says what is done. Either way it remembers the furthest position emitted per stream, the bound of a save.
    /// Thread-safe: the pipeline threads of the runspace (and of thread jobs sharing the session) call it.
    /// </summary>
    internal sealed class CheckpointCommits
    {
        private readonly object _gate = new object();
        private readonly Dictionary<StreamKey, StreamPosition> _emitted = new Dictionary<StreamKey, StreamPosition>();
        private readonly Dictionary<StreamKey, StreamPosition> _completed = new Dictionary<StreamKey, StreamPosition>();
        private readonly Dictionary<object, Dictionary<StreamKey, StreamPosition>> _inFlight = new Dictionary<object, Dictionary<StreamKey, StreamPosition>>();

        /// <summary>A message is about to be written to the pipeline: downstream commands (a Save-C2Checkpoint among them)
        /// see it before the write returns, so from now on it counts as delivered for the bound of a save.</summary>
        public void Delivering(StreamKey key, StreamPosition position)
        {
            lock (_gate) StreamPosition.Advance(_emitted, key, position);
        }

        /// <summary>A statement emitted a message (its write returned) or passed a position marker of <paramref name="key"/>.</summary>
        public void Emitted(object statement, StreamKey key, StreamPosition position)
        {
            lock (_gate)
            {
                StreamPosition.Advance(_emitted, key, position);
                if (!_inFlight.TryGetValue(statement, out var mine)) _inFlight[statement] = mine = new Dictionary<StreamKey, StreamPosition>();
                StreamPosition.Advance(mine, key, position);
            }
        }

        /// <summary>The statement's pipeline ended: what it emitted is ready to be committed.</summary>
        public void Completed(object statement)
        {
            lock (_gate)
            {
                if (!_inFlight.TryGetValue(statement, out var mine)) return;
                _inFlight.Remove(statement);
                foreach (var kv in mine) StreamPosition.Advance(_completed, kv.Key, kv.Value);
            }
        }

        /// <summary>Takes the positions of completed statements (empty when there are none).</summary>
        public List<KeyValuePair<StreamKey, StreamPosition>> TakeCompleted()
        {
            lock (_gate)
            {
                var list = new List<KeyValuePair<StreamKey, StreamPosition>>(_completed);
                _completed.Clear();
                return list;
            }
        }

        /// <summary>The furthest position emitted for a stream in this session, if any.</summary>
        public StreamPosition? EmittedOf(StreamKey key)
        {
            lock (_gate) return _emitted.TryGetValue(key, out var p) ? p : (StreamPosition?)null;
        }
    }
}
