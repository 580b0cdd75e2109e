using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// A session's side of its checkpoint file: the file itself (<see cref="CheckpointStore"/>), the streams it owns
    /// (<see cref="CheckpointClaim"/>: one owner per stream, across processes), the commit rule
    /// (<see cref="CheckpointCommits"/>) and explicit saves. Used on the pipeline threads; the session loop only reads
    /// resume points from the store and records watch times in it.
    /// </summary>
    internal sealed class SessionCheckpoint : IDisposable
    {
        private readonly object _gate = new object();
        private readonly Dictionary<StreamKey, CheckpointClaim> _claims = new Dictionary<StreamKey, CheckpointClaim>();
        private readonly HashSet<StreamKey> _reported = new HashSet<StreamKey>();
        private readonly CheckpointCommits _commits = new CheckpointCommits();
        private readonly TimeProvider _time;
        private readonly Func<int> _sessionId;

        public SessionCheckpoint(CheckpointStore store, bool manual, TimeSpan waitForClaim, TimeProvider time, Func<int> sessionId)
        {
            Store = store; Manual = manual; WaitForClaim = waitForClaim; _time = time; _sessionId = sessionId;
        }

        public CheckpointStore Store { get; }
        public string Path => Store.Path;
        /// <summary>-ManualCheckpoint: only Save-C2Checkpoint moves the file.</summary>
        public bool Manual { get; }
        /// <summary>How long a claim waits for the current owner to let go (-WaitForCheckpointSec); zero refuses at once.</summary>
        public TimeSpan WaitForClaim { get; }

        // ----- ownership ------------------------------------------------------------------------------

        /// <summary>Claims the streams (strategy.signal only: the checkpoint tracks nothing else), in a fixed order so
        /// that two runs claiming the same strategies never each hold half. Already-owned streams are skipped. On a
        /// refusal the streams this call claimed are let go again and <see cref="C2CheckpointInUseException"/> is thrown.</summary>
        public async Task ClaimAsync(IEnumerable<StreamKey> keys, CancellationToken cancel)
        {
            var taken = new List<StreamKey>();
            try
            {
                foreach (var key in keys.Where(k => k.IsSignal && k.StrategyId.HasValue).Distinct().OrderBy(k => k.StrategyId))
                {
                    lock (_gate) if (_claims.ContainsKey(key)) continue;
                    var claim = await TakeAsync(key, cancel).ConfigureAwait(false);
                    lock (_gate) _claims[key] = claim;
                    taken.Add(key);
                    // The previous owner is gone (its lock died with it): what its journal holds goes into the file now.
                    Store.Compact(key, claim.Journal);
                }
            }
            catch
            {
                foreach (var key in taken) Release(key);
                throw;
            }
        }

        private async Task<CheckpointClaim> TakeAsync(StreamKey key, CancellationToken cancel)
        {
            var started = _time.GetTimestamp();
            while (true)
            {
                var claim = CheckpointClaim.TryTake(Path, key, _sessionId(), out var holder);
                if (claim != null) return claim;
                if (_time.GetElapsedTime(started) >= WaitForClaim)
                {
                    throw new C2CheckpointInUseException(
                        CheckpointTexts.InUse(key.StrategyId!.Value, Path, holder, WaitForClaim), Path, key.StrategyId.Value, holder);
                }
                await _time.Delay(TimeSpan.FromMilliseconds(100), cancel).ConfigureAwait(false);
            }
        }

        public bool Owns(StreamKey key) { lock (_gate) return _claims.ContainsKey(key); }

        /// <summary>Lets a stream go (unsubscribed, or its subscription failed): its saves are compacted first.</summary>
        public void Release(StreamKey key)
        {
            CheckpointClaim? claim;
            lock (_gate)
            {
                if (!_claims.TryGetValue(key, out claim)) return;
                _claims.Remove(key);
            }
            try { Store.Compact(key, claim.Journal); }
            finally { claim.Dispose(); }
        }

        // ----- the commit rule ------------------------------------------------------------------------

        public void Emitted(object statement, StreamKey key, StreamPosition position) => _commits.Emitted(statement, key, position);

        public void Delivering(StreamKey key, StreamPosition position) => _commits.Delivering(key, position);

        public void StatementCompleted(object statement) => _commits.Completed(statement);

        /// <summary>Said once per stream: the next commit records it, so later runs do not say it again.</summary>
        public void NoteReported(StreamKey key) { lock (_gate) _reported.Add(key); }

        /// <summary>Commits what completed statements emitted (not with -ManualCheckpoint) and what was reported, and
        /// writes the file when anything changed (watch times the loop recorded included). Throws what the write threw.</summary>
        public void CommitCompleted()
        {
            var completed = _commits.TakeCompleted();
            if (!Manual)
                foreach (var kv in completed) Store.Advance(kv.Key, kv.Value);
            List<StreamKey> reported;
            lock (_gate) { reported = _reported.ToList(); _reported.Clear(); }
            foreach (var key in reported) Store.MarkReported(key);
            Store.Flush();
        }

        // ----- explicit saves -------------------------------------------------------------------------

        /// <summary>
        /// Save-C2Checkpoint: advances each stream to the highest seq_id given, only forward. Every item is checked
        /// first (a stream this session delivered, a seq_id it delivered); any problem throws and nothing is saved.
        /// Each stream's save is one journal write before this returns. Returns the saves made (a save at or behind
        /// the file's position is left out).
        /// </summary>
        public List<KeyValuePair<StreamKey, StreamPosition>> Save(IEnumerable<KeyValuePair<StreamKey, StreamPosition>> items)
        {
            var highest = new Dictionary<StreamKey, StreamPosition>();
            foreach (var kv in items)
            {
                var delivered = _commits.EmittedOf(kv.Key);
                if (!delivered.HasValue || kv.Value.IsBeyond(delivered.Value))
                    throw new C2CheckpointSaveException(C2ErrorId.CheckpointBeyondDelivered,
                        CheckpointTexts.BeyondDelivered(kv.Value.Seq, kv.Key, delivered?.Seq), kv.Key.ToString());
                if (!Owns(kv.Key))
                    throw new C2CheckpointSaveException(C2ErrorId.CheckpointNotOwned, CheckpointTexts.NotOwned(kv.Key, Path), kv.Key.ToString());
                StreamPosition.Advance(highest, kv.Key, kv.Value);
            }
            var saved = new List<KeyValuePair<StreamKey, StreamPosition>>();
            foreach (var kv in highest)
            {
                var current = Store.Get(kv.Key);
                var stored = current?.Seq is long seq
                    ? new StreamPosition(current.Value.Epoch, seq, null, null, current.Value.HistoryThrough, current.Value.HistoryOrderId)
                    : (StreamPosition?)null;
                if (stored.HasValue && !kv.Value.IsBeyond(stored.Value) && !kv.Value.SameHistoryInstant(stored.Value)) continue;
                CheckpointClaim claim;
                lock (_gate) claim = _claims[kv.Key];
                Store.Save(kv.Key, kv.Value.ToEntry(), claim.Journal);
                saved.Add(kv);
            }
            return saved;
        }

        /// <summary>The furthest position emitted for a stream (a save of -SeqId alone takes its epoch and checks against it).</summary>
        public StreamPosition? EmittedOf(StreamKey key) => _commits.EmittedOf(key);

        /// <summary>Compacts every owned stream's journal into the file and lets every stream go (the session closed).</summary>
        public void Dispose()
        {
            List<StreamKey> keys;
            lock (_gate) keys = _claims.Keys.ToList();
            Exception? first = null;
            foreach (var key in keys)
            {
                try { Release(key); }
                catch (Exception ex) { first ??= ex; }
            }
            if (first != null) throw first;
        }
    }
}
