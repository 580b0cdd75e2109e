using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// One logical connection to the C2 WebSocket API, the object users hold: it survives reconnects. A thin facade:
    /// the <see cref="SessionLoop"/> owns all mutable state and runs in the background; cmdlets post commands to it and
    /// await the replies, take messages from the <see cref="Inbox"/> and write the diagnostics it records. Nothing here
    /// knows PowerShell (see Session/README.md).
    /// </summary>
    public sealed class C2Session : IDisposable
    {
        private static int s_nextId;

        private readonly C2SessionOptions _options;
        private readonly SessionLoop _loop;
        private readonly CheckpointStore? _checkpoint;
        private readonly SessionCounters _counters = new SessionCounters();
        private readonly DiagnosticSink _diagnostics;
        private readonly object _stateGate = new object();
        private C2Subscription[] _subscriptions = Array.Empty<C2Subscription>();
        private C2SessionState _state = C2SessionState.Connecting;
        private int _closed;
        private string? _endReason;
        private DateTimeOffset? _endedAt;
        private bool _closeRequested, _endedByUser;
        private Exception? _endCause;

        internal C2Session(C2SessionOptions options)
        {
            _options = options;
            _diagnostics = new DiagnosticSink(options.TimeProvider);
            if (!string.IsNullOrEmpty(options.CheckpointPath))
            {
                _checkpoint = new CheckpointStore(options.CheckpointPath!, options.TimeProvider);
                Checkpoint = new SessionCheckpoint(_checkpoint, options.ManualCheckpoint, options.WaitForCheckpoint, options.TimeProvider, () => Id);
            }
            Inbox = new Inbox(options.InboxCapacity, key => _loop!.Post(new Input(InputKind.Room, arg: key)));
            _loop = new SessionLoop(this, options, Inbox, _diagnostics, _checkpoint, _counters, KeyFingerprint.Of(options.ApiKey));
            Marks = new CheckpointMarks(this, options, _checkpoint, Checkpoint, _diagnostics);
        }

        // ----- public surface -------------------------------------------------------------------------

        /// <summary>Given when the session opens (0 until then): a connect that fails, and Test-C2Connection, take none.</summary>
        public int Id => Volatile.Read(ref _id);
        private int _id;

        /// <summary>How diagnostics name it: "Session 3"; before it opened "Connect-C2Socket", and "Test-C2Connection" for the
        /// connection test (which takes no id).</summary>
        internal string Label => SessionTexts.Label(_options.IsProbe, Id);
        public Uri Uri => _options.Uri;
        public C2SessionState State { get { lock (_stateGate) return _state; } }
        public DateTimeOffset? ConnectedAt { get => Facts.ConnectedAt; internal set => Volatile.Write(ref _facts, Facts.WithConnectedAt(value)); }
        public DateTimeOffset? LastHeartbeatAt { get => Facts.LastHeartbeatAt; internal set => Volatile.Write(ref _facts, Facts.WithLastHeartbeatAt(value)); }
        /// <summary>What the loop publishes about the connection: one volatile read (see <see cref="SessionFacts"/>).</summary>
        private SessionFacts Facts => Volatile.Read(ref _facts);
        private SessionFacts _facts = SessionFacts.Initial;
        /// <summary>When the last message of any kind arrived (local clock).</summary>
        public DateTimeOffset? LastMessageAt
        {
            get
            {
                var ticks = Volatile.Read(ref _lastFrameTicks);
                return ticks == 0 ? (DateTimeOffset?)null : _options.TimeProvider.GetUtcNow() - _options.TimeProvider.GetElapsedTime(ticks);
            }
        }
        internal long _lastFrameTicks;
        public string? LastError { get => Facts.LastError ?? _diagnostics.LastError; internal set => Volatile.Write(ref _facts, Facts.WithLastError(value)); }
        /// <summary>Why the session ended (Disconnected or Failed); null while it is open.</summary>
        public string? EndReason { get { lock (_stateGate) return _endReason; } }
        /// <summary>When it ended (local clock, UTC); null while it is open.</summary>
        public DateTimeOffset? EndedAt { get { lock (_stateGate) return _endedAt; } }
        /// <summary>The protocol version the server reports in "v" (a number or a string of digits).</summary>
        public int? ServerVersion { get => Facts.ServerVersion; internal set => Volatile.Write(ref _facts, Facts.WithServerVersion(value)); }
        /// <summary>Server clock minus local clock, measured from server timestamps; applied to every timestamp we send.</summary>
        public TimeSpan ClockOffset => _loop.Clock.Offset;
        /// <summary>The JSON type resume_from is sent as (negotiated with the server unless -ResumeFromFormat fixed it).</summary>
        public ResumeFromWireType ResumeFromFormat => _loop.ResumeFormat;
        public string? CheckpointPath => _checkpoint?.Path;
        public int InboxCount => Inbox.Count;
        /// <summary>Messages each stream may queue for the pipeline.</summary>
        public int InboxCapacity => Inbox.CapacityPerStream;
        public int MaxReconnectAttempts => _options.MaxReconnectAttempts;
        public double HeartbeatTimeoutSec => _options.HeartbeatTimeout.TotalSeconds;

        public long MessagesReceived => SessionCounters.Read(ref _counters.MessagesReceived);
        public long HeartbeatsReceived => SessionCounters.Read(ref _counters.HeartbeatsReceived);
        public long HeartbeatAcksSent => SessionCounters.Read(ref _counters.HeartbeatAcksSent);
        public long MessagesQueued => SessionCounters.Read(ref _counters.MessagesQueued);
        /// <summary>Messages dropped because they were proven duplicates (same message id, or inside a replay the session asked for).</summary>
        public long DuplicatesDropped => SessionCounters.Read(ref _counters.DuplicatesDropped);
        public long MalformedMessages => SessionCounters.Read(ref _counters.Malformed);
        public long UnknownMessages => SessionCounters.Read(ref _counters.UnknownMessages);
        public long Reconnects => SessionCounters.Read(ref _counters.Reconnects);
        public long InboxOverflows => SessionCounters.Read(ref _counters.InboxOverflows);
        public long LateMessagesDropped => SessionCounters.Read(ref _counters.LateMessagesDropped);
        /// <summary>Messages not queued because a resubscribe in flight fetches them again (replay pages, recovery).</summary>
        public long MessagesRefetched => SessionCounters.Read(ref _counters.Refetched);
        /// <summary>Messages older than the moment their stream was first watched (a backfill from the start skips them).</summary>
        public long MessagesSkipped => SessionCounters.Read(ref _counters.SkippedBeforeWatch);
        /// <summary>Times a stream's seq_id went back with a new message id.</summary>
        public long SequenceAnomalies => SessionCounters.Read(ref _counters.SequenceAnomalies);
        /// <summary>Messages that named no strategy on a connection carrying several strategies.</summary>
        public long UnattributedMessages => SessionCounters.Read(ref _counters.Unattributed);
        public long ReplayPages => SessionCounters.Read(ref _counters.ReplayPages);
        /// <summary>Diagnostics (verbose text, errors) discarded because nobody drained them and the queue hit its cap.</summary>
        public long DiagnosticsDropped => _diagnostics.Dropped;

        public IReadOnlyList<C2Subscription> Subscriptions => Volatile.Read(ref _subscriptions);

        /// <summary>Raised on a background thread when <see cref="State"/> changes (Register-ObjectEvent works).</summary>
        public event EventHandler<C2SessionStateChangedEventArgs>? StateChanged;

        public override string ToString() => "C2Session " + Id + " (" + State + ", " + Uri + ")";

        // ----- for the cmdlets ------------------------------------------------------------------------

        internal C2SessionOptions Options => _options;
        internal Inbox Inbox { get; }
        /// <summary>State changes since the open, until a Receive-C2Signal -IncludeStateChange takes them.</summary>
        internal StateChangeQueue StateChanges { get; } = new StateChangeQueue();
        internal SessionLoop Loop => _loop;
        internal long HandlingFailures => SessionCounters.Read(ref _counters.HandlingFailures);
        internal bool IsOpen { get { var s = State; return s != C2SessionState.Disconnected && s != C2SessionState.Failed; } }
        /// <summary>It ended because the user closed it (Disconnect-C2Socket, or its runspace closing).</summary>
        internal bool EndedByUser { get { lock (_stateGate) return _endedByUser; } }
        /// <summary>The failure that ended it, when there was one (a refused key, an internal error); stored by the loop,
        /// rethrown inside the reader's C2SessionEnded on the pipeline thread.</summary>
        internal Exception? EndCause { get { lock (_stateGate) return _endCause; } }

        /// <summary>Opens the first connection and waits for connection.connected. Throws <see cref="Transport.C2ConnectException"/>.</summary>
        internal async Task OpenAsync(CancellationToken cancel)
        {
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _loop.Post(new Input(InputKind.Open, arg: done));
            using (cancel.Register(() => done.TrySetCanceled()))
            {
                try { await done.Task.ConfigureAwait(false); }
                catch (OperationCanceledException)
                {
                    await CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    throw;
                }
            }
        }

        /// <summary>Subscribes and waits for the acknowledgement. With a checkpoint, the strategy.signal stream is claimed
        /// first (<see cref="SessionCheckpoint.ClaimAsync"/>: <see cref="C2CheckpointInUseException"/> when another
        /// session owns it) and let go again when the subscription fails.</summary>
        internal async Task<C2Subscription> SubscribeAsync(string channel, long strategyId, long? resumeFrom, TimeSpan timeout, CancellationToken cancel)
        {
            if (strategyId <= 0) throw new ArgumentOutOfRangeException(nameof(strategyId), strategyId, SessionTexts.StrategyIdNotPositive);
            if (!Channels.IsValid(channel)) throw new ArgumentException(SessionTexts.ChannelInvalid(), nameof(channel));
            if (!IsOpen) throw new InvalidOperationException(SessionTexts.NotOpen(Id, State, EndReason));
            var key = new StreamKey(channel, strategyId);
            if (Checkpoint != null && key.IsSignal && !Checkpoint.Owns(key)) await Checkpoint.ClaimAsync(new[] { key }, cancel).ConfigureAwait(false);
            var cmd = new SubscribeCommand(key, resumeFrom, timeout);
            _loop.Post(new Input(InputKind.Subscribe, arg: cmd));
            try { return await WithCancel(cmd.Done, cancel).ConfigureAwait(false); }
            catch when (Checkpoint != null && !Subscriptions.Any(x => x.Key == key && x.IsLive))
            {
                ReleaseClaim(key); // refused or not answered: the stream is not this session's to act on
                throw;
            }
        }

        /// <summary>Unsubscribes; the stream's queued messages are dropped (their count is in the result).</summary>
        internal async Task<UnsubscribeResult> UnsubscribeAsync(C2Subscription sub, TimeSpan timeout, CancellationToken cancel)
        {
            var cmd = new UnsubscribeCommand(sub, timeout);
            _loop.Post(new Input(InputKind.Unsubscribe, arg: cmd));
            try { return await WithCancel(cmd.Done, cancel).ConfigureAwait(false); }
            finally
            {
                // The stream is no longer this session's to act on: another run may take it.
                if (Checkpoint != null && !Subscriptions.Any(x => x.Key == sub.Key && x.IsLive)) ReleaseClaim(sub.Key);
            }
        }

        private void ReleaseClaim(StreamKey key)
        {
            try { Checkpoint!.Release(key); }
            catch (Exception ex) { Marks.ReportWriteFailure(ex); }
        }

        /// <summary>Closes with status 1000, stops background work, discards what is queued and writes the checkpoint.
        /// Returns how many queued messages were discarded. Idempotent.</summary>
        internal async Task<int> CloseAsync(TimeSpan timeout)
        {
            lock (_stateGate) _closeRequested = true;
            CommitCheckpoint();
            var cmd = new CloseCommand(timeout);
            _loop.Post(new Input(InputKind.Close, arg: cmd));
            int dropped;
            try { dropped = await cmd.Done.Task.ConfigureAwait(false); }
            catch (ObjectDisposedException) { dropped = 0; }
            CommitCheckpoint();
            try { Checkpoint?.Dispose(); }
            catch (Exception ex) { Marks.ReportWriteFailure(ex); }
            return dropped;
        }

        /// <summary>The command's own task, released by the loop's reply or by the token, whichever comes first. No task
        /// sits in between: a pipeline thread blocked on it is woken straight from the loop's TrySetResult, not through a
        /// thread-pool continuation (a hop that cost milliseconds per Add-C2Subscription on a busy machine).</summary>
        private static Task<T> WithCancel<T>(TaskCompletionSource<T> done, CancellationToken cancel)
        {
            if (!cancel.CanBeCanceled || done.Task.IsCompleted) return done.Task;
            var registration = cancel.Register(() => done.TrySetCanceled(cancel));
            done.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return done.Task;
        }

        /// <summary>The session's checkpoint (ownership, the commit rule, saves); null without -CheckpointPath.</summary>
        internal SessionCheckpoint? Checkpoint { get; }

        /// <summary>What the pipeline tells the checkpoint (processed, emitted, delivering, history positions; commits and
        /// flushes): a no-op without a checkpoint.</summary>
        internal CheckpointMarks Marks { get; }

        /// <summary>For C# consumers (tests, benchmarks): see <see cref="CheckpointMarks.MarkProcessed"/>.</summary>
        internal void MarkProcessed(C2StreamMessage message) => Marks.MarkProcessed(message);
        internal void MarkPosition(PositionMarker marker) => Marks.MarkPosition(marker);
        internal void CommitCheckpoint() => Marks.Commit();
        internal void FlushCheckpoint() => Marks.Flush();

        internal IEnumerable<C2Diagnostic> DrainDiagnostics() => _diagnostics.Drain();
        internal bool HasDiagnostics => !_diagnostics.IsEmpty;

        // ----- written by the loop --------------------------------------------------------------------

        /// <summary>Raised on the loop after each batch of inputs (tests wait on it instead of polling).</summary>
        internal event Action? Progress;

        internal void OnProgress()
        {
            var handler = Progress;
            if (handler == null) return;
            try { handler(); } catch (Exception) { }
        }

        internal void PublishSubscriptions(C2Subscription[] snapshot) => Volatile.Write(ref _subscriptions, snapshot);

        internal void SetState(C2SessionState state, string reason)
        {
            C2SessionState previous;
            lock (_stateGate)
            {
                previous = _state;
                if (previous == state) return;
                if (previous == C2SessionState.Disconnected || previous == C2SessionState.Failed) return; // final
                // The session opened: it takes the next id now (request ids and everything said from here on carry it).
                if (previous == C2SessionState.Connecting && state == C2SessionState.Connected && _id == 0 && !_options.IsProbe)
                    Volatile.Write(ref _id, Interlocked.Increment(ref s_nextId));
                _state = state;
                if (state == C2SessionState.Disconnected || state == C2SessionState.Failed)
                {
                    _endedAt = _options.TimeProvider.GetUtcNow();
                    _endedByUser = _closeRequested;
                    _endReason = state == C2SessionState.Disconnected && !_closeRequested
                        ? SessionTexts.LostWithoutReconnect(reason)
                        : reason;
                    _endCause = _diagnostics.LastEnding?.Exception;
                }
            }
            _diagnostics.Verbose(SessionTexts.StateChanged(Label, previous, state));
            // For readers that show state changes in order with the messages; the open itself (from Connecting) is Connect-C2Socket's answer.
            if (previous != C2SessionState.Connecting)
            {
                StateChanges.Add(new C2StateChange(Id, previous, state, EndReason ?? reason, _options.TimeProvider.GetUtcNow(), Inbox.Stamp()));
                Inbox.Wake();
            }
            var handler = StateChanged;
            if (handler == null) return;
            try { handler(this, new C2SessionStateChangedEventArgs(this, previous, state, reason, _options.TimeProvider.GetUtcNow())); }
            catch (Exception ex) { _diagnostics.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.Info, SessionTexts.StateHandlerThrew(ex.Message)); }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1) return;
            try { CloseAsync(TimeSpan.FromSeconds(2)).Wait(TimeSpan.FromSeconds(5)); }
            catch (Exception) { /* disposal never throws */ }
        }
    }
}
