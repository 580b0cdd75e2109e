using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    public enum C2SessionState
    {
        Connecting,
        Connected,
        Reconnecting,
        /// <summary>Closed by the user, or dropped with reconnect turned off.</summary>
        Disconnected,
        /// <summary>Gave up: the key was refused, or the reconnect attempts ran out.</summary>
        Failed,
    }

    public sealed class C2SessionStateChangedEventArgs : EventArgs
    {
        internal C2SessionStateChangedEventArgs(C2Session session, C2SessionState previous, C2SessionState state, string reason)
        {
            Session = session; PreviousState = previous; State = state; Reason = reason; At = DateTimeOffset.UtcNow;
        }
        public C2Session Session { get; }
        public C2SessionState PreviousState { get; }
        public C2SessionState State { get; }
        public string Reason { get; }
        public DateTimeOffset At { get; }
    }

    /// <summary>A server <c>error</c> in answer to one of this client's requests.</summary>
    public sealed class C2ServerErrorException : Exception
    {
        internal C2ServerErrorException(string context, C2ServerError error)
            : base(context + ": the server answered " + error + ".") { Error = error; }
        public C2ServerError Error { get; }
    }

    /// <summary>
    /// One logical connection to the C2 WebSocket API: it survives reconnects. A supervisor owns the current
    /// socket; each socket has one receive loop that answers heartbeats itself, correlates acks, drops duplicate
    /// seq_ids and queues data in a bounded inbox that Receive-C2Signal drains on the pipeline thread.
    /// Background code never writes to PowerShell streams: it records diagnostics that cmdlets write.
    /// </summary>
    public sealed class C2Session : IDisposable
    {
        private static int s_nextId;
        private static readonly ConcurrentDictionary<string, int> s_openPerKey = new ConcurrentDictionary<string, int>();

        private readonly object _gate = new object();
        private readonly C2SessionOptions _options;
        private readonly Dictionary<string, C2Subscription> _subscriptions = new Dictionary<string, C2Subscription>(StringComparer.Ordinal);
        private readonly Dictionary<string, StreamState> _streams = new Dictionary<string, StreamState>(StringComparer.Ordinal);
        private readonly List<PendingRequest> _pending = new List<PendingRequest>();
        private readonly SemaphoreSlim _subscribeLock = new SemaphoreSlim(1, 1);
        private readonly ConcurrentQueue<Diagnostic> _diagnostics = new ConcurrentQueue<Diagnostic>();
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly Random _jitter;
        private readonly string _keyFingerprint;
        private readonly Inbox _inbox;
        private readonly CheckpointStore? _checkpoint;

        private Connection? _current;
        private Connection? _ready;
        private Task? _supervisor;
        private int _requestCounter;
        private bool _closing;
        private bool _versionWarned;
        private int _suspendedStreams;
        private string[]? _fieldNames; // the previous payload's field names, reused while they repeat (receive loop only)
        private int _recovering;
        private C2SessionState _state = C2SessionState.Connecting;
        private long _clockOffsetTicks;
        private long? _clockCandidateTicks;   // receive loop only
        private bool _clockSampled;
        private DateTime _lastCheckpointFlush = DateTime.UtcNow;

        internal C2Session(C2SessionOptions options)
        {
            _options = options;
            Id = Interlocked.Increment(ref s_nextId);
            _inbox = new Inbox(options.InboxCapacity);
            _jitter = options.JitterSeed.HasValue ? new Random(options.JitterSeed.Value) : new Random();
            _keyFingerprint = KeyFingerprint.Of(options.ApiKey);
            if (!string.IsNullOrEmpty(options.CheckpointPath)) _checkpoint = new CheckpointStore(options.CheckpointPath!);
        }

        // ----- public surface -------------------------------------------------------------------------

        public int Id { get; }
        public Uri Uri => _options.Uri;
        public C2SessionState State { get { lock (_gate) return _state; } }
        public DateTimeOffset? ConnectedAt { get; private set; }
        public DateTimeOffset? LastMessageAt { get; private set; }
        public DateTimeOffset? LastHeartbeatAt { get; private set; }
        public string? LastError { get; private set; }
        public int? ServerVersion { get; private set; }
        /// <summary>Server clock minus local clock, measured from server timestamps; applied to every timestamp we send.</summary>
        public TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));
        public string? CheckpointPath => _checkpoint?.Path;
        public int InboxCount => _inbox.DataCount;
        public int InboxCapacity => _inbox.Capacity;
        public int MaxReconnectAttempts => _options.MaxReconnectAttempts;
        public double HeartbeatTimeoutSec => _options.HeartbeatTimeout.TotalSeconds;

        private long _messagesReceived, _heartbeatsReceived, _heartbeatAcksSent, _dataQueued, _duplicatesDropped, _malformed, _unknown, _reconnects, _overflowed, _late;
        public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
        public long HeartbeatsReceived => Interlocked.Read(ref _heartbeatsReceived);
        public long HeartbeatAcksSent => Interlocked.Read(ref _heartbeatAcksSent);
        public long MessagesQueued => Interlocked.Read(ref _dataQueued);
        public long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);
        public long MalformedMessages => Interlocked.Read(ref _malformed);
        public long UnknownMessages => Interlocked.Read(ref _unknown);
        public long Reconnects => Interlocked.Read(ref _reconnects);
        public long InboxOverflows => Interlocked.Read(ref _overflowed);
        public long LateMessagesDropped => Interlocked.Read(ref _late);

        public IReadOnlyList<C2Subscription> Subscriptions
        {
            get { lock (_gate) return _subscriptions.Values.OrderBy(s => s.StrategyId).ThenBy(s => s.Channel, StringComparer.Ordinal).ToArray(); }
        }

        /// <summary>Raised on a background thread when <see cref="State"/> changes (Register-ObjectEvent works).</summary>
        public event EventHandler<C2SessionStateChangedEventArgs>? StateChanged;

        public override string ToString() => "C2Session " + Id + " (" + State + ", " + Uri + ")";

        internal C2SessionOptions Options => _options;
        internal bool IsOpen { get { var s = State; return s != C2SessionState.Disconnected && s != C2SessionState.Failed; } }

        public long? LastQueuedSeq(string channel, long strategyId)
        {
            lock (_gate) return _streams.TryGetValue(C2Subscription.StreamKey(channel, strategyId), out var st) ? st.LastQueued : null;
        }

        // ----- opening and the supervisor -------------------------------------------------------------

        internal async Task OpenAsync(CancellationToken cancel)
        {
            Record(DiagnosticKind.Verbose, "Session " + Id + ": connecting to " + Uri + ".");
            var count = s_openPerKey.AddOrUpdate(_keyFingerprint, 1, (_, n) => n + 1);
            if (count > ProtocolLimits.MaxConnectionsPerKey)
                Record(DiagnosticKind.Warning, "This process now has " + count + " open sessions with the same API key; C2 allows 10 connections per key and refuses the rest with HTTP 429.");
            try
            {
                var conn = await ConnectOnceAsync(cancel).ConfigureAwait(false);
                lock (_gate) { _current = conn; _ready = conn; }
                SetState(C2SessionState.Connected, "connected");
                _supervisor = Task.Run(SuperviseAsync);
            }
            catch
            {
                s_openPerKey.AddOrUpdate(_keyFingerprint, 0, (_, n) => Math.Max(0, n - 1));
                SetState(C2SessionState.Failed, "the first connection failed");
                _inbox.Complete();
                throw;
            }
        }

        private async Task<Connection> ConnectOnceAsync(CancellationToken cancel)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var transport = await WebSocketTransport.ConnectAsync(new ConnectSettings
            {
                Uri = _options.Uri,
                ApiKey = _options.ApiKey,
                Proxy = _options.Proxy,
                UseDefaultProxy = _options.UseDefaultProxy,
                ConnectTimeout = _options.ConnectTimeout,
                MaxMessageBytes = _options.MaxMessageBytes,
            }, cancel).ConfigureAwait(false);
            Record(DiagnosticKind.Verbose, string.Format(CultureInfo.InvariantCulture, "Session {0}: WebSocket upgrade accepted by {1} after {2:0} ms; waiting for connection.connected.", Id, Uri, sw.Elapsed.TotalMilliseconds));

            var conn = new Connection(this, transport);
            conn.Start();
            var left = _options.ConnectTimeout - sw.Elapsed;
            if (left < TimeSpan.FromMilliseconds(100)) left = TimeSpan.FromMilliseconds(100);
            var first = await Task.WhenAny(conn.ConnectedTask, conn.Completion, Task.Delay(left, cancel)).ConfigureAwait(false);
            if (first == conn.ConnectedTask && conn.ConnectedTask.Result) return conn;

            conn.Abort();
            var end = await conn.Completion.ConfigureAwait(false);
            conn.Dispose();
            cancel.ThrowIfCancellationRequested();
            if (first != conn.Completion)
                throw new C2ConnectException("C2ConnectTimeout", ErrorCategory.OperationTimeout, C2ConnectStep.Handshake, Uri,
                    string.Format(CultureInfo.InvariantCulture, "The server at {0} accepted the WebSocket but sent no connection.connected within {1:0.###} s.", Uri, _options.ConnectTimeout.TotalSeconds));
            if (end.CloseStatus == WebSocketCloseStatus.PolicyViolation)
                throw new C2ConnectException("C2ConnectionRejected", ErrorCategory.LimitsExceeded, C2ConnectStep.Handshake, Uri,
                    "The server closed the new connection at once with PolicyViolation (1008): another connection with this API key was being opened at the same moment, or the key is at its connection limit. Wait before connecting again.",
                    serverReason: end.CloseDescription, isThrottle: true);
            throw new C2ConnectException("C2ConnectFailed", ErrorCategory.ConnectionError, C2ConnectStep.Handshake, Uri,
                "The connection to " + Uri + " ended before the server sent connection.connected: " + end.Reason);
        }

        private async Task SuperviseAsync()
        {
            try
            {
                var attempt = 0;
                while (true)
                {
                    Connection conn;
                    lock (_gate) conn = _current!;
                    var end = await conn.Completion.ConfigureAwait(false);
                    var lived = DateTimeOffset.UtcNow - conn.StartedAt;
                    lock (_gate)
                    {
                        _ready = null;
                        // Subscribe requests stay desired and are sent again on the next connection.
                        _pending.RemoveAll(p => p.Connection == conn);
                    }
                    conn.Dispose();
                    if (_closing) return;

                    LastError = end.Reason;
                    Record(DiagnosticKind.Verbose, "Session " + Id + ": connection lost: " + end.Reason);
                    if (_options.MaxReconnectAttempts == 0)
                    {
                        Record(DiagnosticKind.Warning, "Session " + Id + " lost its connection (" + end.Reason + ") and reconnecting is turned off (-MaxReconnectAttempts 0).");
                        End(C2SessionState.Disconnected, end.Reason);
                        return;
                    }
                    if (lived > _options.HeartbeatTimeout) attempt = 0;
                    SetState(C2SessionState.Reconnecting, end.Reason);

                    var throttle = end.Throttle;
                    TimeSpan? retryAfter = null;
                    Connection? next = null;
                    while (next == null)
                    {
                        attempt++;
                        if (_options.MaxReconnectAttempts > 0 && attempt > _options.MaxReconnectAttempts)
                        {
                            var why = "gave up after " + _options.MaxReconnectAttempts + " reconnect attempts (last failure: " + LastError + ")";
                            RecordError("C2ReconnectFailed", ErrorCategory.ConnectionError, "Session " + Id + " " + why + ". Signals published from now on are not received; connect again to resume from the last delivered seq_id.", null);
                            End(C2SessionState.Failed, why);
                            return;
                        }
                        var delay = ReconnectDelay(attempt, throttle, retryAfter);
                        Record(DiagnosticKind.Verbose, string.Format(CultureInfo.InvariantCulture, "Session {0}: reconnect attempt {1} in {2:0.###} s{3}.", Id, attempt, delay.TotalSeconds, throttle ? " (the server asked us to slow down)" : ""));
                        await Task.Delay(delay, _lifetime.Token).ConfigureAwait(false);
                        try
                        {
                            next = await ConnectOnceAsync(_lifetime.Token).ConfigureAwait(false);
                        }
                        catch (C2ConnectException ex) when (ex.IsAuthenticationFailure)
                        {
                            RecordError(ex.ErrorId, ex.Category, ex.Message, ex);
                            End(C2SessionState.Failed, "the server refused the API key");
                            return;
                        }
                        catch (C2ConnectException ex)
                        {
                            LastError = ex.Message;
                            throttle = ex.IsThrottle;
                            retryAfter = ex.RetryAfter;
                            Record(DiagnosticKind.Verbose, "Session " + Id + ": reconnect attempt " + attempt + " failed: " + ex.Message);
                        }
                    }

                    Interlocked.Increment(ref _reconnects);
                    await ResubscribeAllAsync(next).ConfigureAwait(false);
                    SetState(C2SessionState.Connected, "reconnected");
                    Record(DiagnosticKind.Verbose, "Session " + Id + ": reconnected (reconnect #" + Reconnects + ").");
                }
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                // Closing.
            }
            catch (Exception ex)
            {
                // Never let a background exception escape: it would kill the host process.
                RecordError("C2SessionFaulted", ErrorCategory.NotSpecified, "Session " + Id + " stopped after an internal error: " + ex.Message, ex);
                End(C2SessionState.Failed, "internal error: " + ex.Message);
            }
        }

        internal TimeSpan ReconnectDelay(int attempt, bool throttled, TimeSpan? retryAfter)
        {
            var baseTicks = _options.ReconnectInterval.Ticks;
            var exp = Math.Min(attempt - 1, 20);
            var ticks = Math.Min((double)baseTicks * Math.Pow(2, exp), _options.MaxReconnectInterval.Ticks);
            double factor;
            lock (_jitter) factor = 0.5 + _jitter.NextDouble() * 0.5; // "equal jitter": between half and all of it
            var delay = TimeSpan.FromTicks((long)(ticks * factor));
            if (throttled)
            {
                var floor = retryAfter ?? _options.ThrottledReconnectInterval;
                if (delay < floor) delay = floor;
            }
            return delay;
        }

        private async Task ResubscribeAllAsync(Connection conn)
        {
            List<Task> acks = new List<Task>();
            await _subscribeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
            try
            {
                C2Subscription[] subs;
                lock (_gate)
                {
                    _current = conn;
                    _ready = conn;
                    subs = _subscriptions.Values.Where(s => s.State == C2SubscriptionState.Active || s.State == C2SubscriptionState.Pending).ToArray();
                }
                foreach (var sub in subs)
                {
                    if (sub.State == C2SubscriptionState.Active) { sub.State = C2SubscriptionState.Pending; sub.Acked = C2Subscription.NewTcs(); sub.Resubscribes++; }
                    var resume = sub.Channel == Channels.Signal ? (LastQueuedSeq(sub.Channel, sub.StrategyId) ?? sub.ResumeFrom) : null;
                    Record(DiagnosticKind.Verbose, "Session " + Id + ": resubscribing " + sub.Key + (resume.HasValue ? " with resume_from " + resume.Value : "") + ".");
                    if (sub.Channel == Channels.Signal && !resume.HasValue)
                        Record(DiagnosticKind.Warning, "Session " + Id + " resubscribed to " + sub.Key + " without resume_from: no signal of it had arrived yet, so there is no seq_id to resume from and signals published while the connection was down cannot be replayed. Use -ResumeFrom or -CheckpointPath to give the first subscription a resume point.");
                    else if (sub.Channel == Channels.Positions)
                        Record(DiagnosticKind.Verbose, "Session " + Id + ": " + sub.Key + " cannot be replayed (C2 replays strategy.signal only); refresh positions from the REST API if updates may have been missed.");
                    try
                    {
                        await SendSubscribeAsync(conn, sub, resume, true).ConfigureAwait(false);
                        acks.Add(sub.Acked.Task);
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException))
                    {
                        // The new socket already failed; the supervisor sees it and reconnects again.
                        Record(DiagnosticKind.Verbose, "Session " + Id + ": resubscribe of " + sub.Key + " not sent: " + ex.Message);
                        return;
                    }
                }
            }
            finally
            {
                _subscribeLock.Release();
            }
            // Wait (bounded) for the acks so the state reads Connected only once subscriptions are back.
            // ...but stop waiting as soon as this socket dies: the supervisor must reconnect at once.
            try { await Task.WhenAny(Task.WhenAll(acks), conn.Completion, Task.Delay(_options.RequestTimeout, _lifetime.Token)).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            foreach (var t in acks) _ = t.Exception; // observed: failures were reported as gaps already
        }

        // ----- subscriptions --------------------------------------------------------------------------

        internal async Task<C2Subscription> SubscribeAsync(string channel, long strategyId, long? resumeFrom, TimeSpan timeout, CancellationToken cancel)
        {
            if (strategyId <= 0) throw new ArgumentOutOfRangeException(nameof(strategyId), strategyId, "StrategyId must be a positive integer.");
            if (!Channels.IsValid(channel)) throw new ArgumentException("Channel must be one of: " + string.Join(", ", Channels.All) + ".", nameof(channel));
            if (!IsOpen) throw new InvalidOperationException("Session " + Id + " is " + State + "; connect again with Connect-C2Socket.");

            C2Subscription sub;
            var key = C2Subscription.StreamKey(channel, strategyId);
            lock (_gate)
            {
                if (_subscriptions.TryGetValue(key, out var existing) && (existing.State == C2SubscriptionState.Active || existing.State == C2SubscriptionState.Pending))
                {
                    sub = existing;
                }
                else
                {
                    var live = _subscriptions.Values.Count(s => s.State == C2SubscriptionState.Active || s.State == C2SubscriptionState.Pending);
                    if (live >= ProtocolLimits.MaxSubscriptionsPerConnection)
                        throw new C2LimitException("C2SubscriptionLimit", "Session " + Id + " already has " + live + " subscriptions; C2 allows " + ProtocolLimits.MaxSubscriptionsPerConnection + " per connection. Remove some (Remove-C2Subscription) or open another session.");
                    sub = new C2Subscription(this, channel, strategyId);
                    if (channel == Channels.Signal)
                    {
                        var resume = resumeFrom ?? _checkpoint?.Get(key) ?? StreamFor(key).LastQueued;
                        if (resume.HasValue && resume.Value > 0)
                        {
                            sub.ResumeFrom = resume;
                            var st = StreamFor(key);
                            if (!st.LastQueued.HasValue || st.LastQueued < resume) st.LastQueued = resume;
                        }
                    }
                    _subscriptions[key] = sub;
                }
            }

            if (sub.State == C2SubscriptionState.Pending && !sub.Acked.Task.IsCompleted)
            {
                await _subscribeLock.WaitAsync(cancel).ConfigureAwait(false);
                try
                {
                    Connection? conn;
                    bool alreadySent;
                    lock (_gate) { conn = _ready; alreadySent = _pending.Any(p => p.Subscription == sub && p.Action == "subscribe"); }
                    if (conn != null && !alreadySent)
                    {
                        Record(DiagnosticKind.Verbose, "Session " + Id + ": subscribing to " + key + (sub.ResumeFrom.HasValue ? " with resume_from " + sub.ResumeFrom.Value : "") + ".");
                        try { await SendSubscribeAsync(conn, sub, sub.ResumeFrom, false).ConfigureAwait(false); }
                        catch (Exception ex) when (!(ex is OperationCanceledException))
                        {
                            Record(DiagnosticKind.Verbose, "Session " + Id + ": the connection failed while subscribing to " + key + " (" + ex.Message + "); it will be sent after the reconnect.");
                        }
                    }
                }
                finally
                {
                    _subscribeLock.Release();
                }
            }

            var acked = sub.Acked.Task;
            var winner = await Task.WhenAny(acked, Task.Delay(timeout, cancel)).ConfigureAwait(false);
            if (winner != acked)
            {
                cancel.ThrowIfCancellationRequested();
                lock (_gate)
                {
                    if (sub.State == C2SubscriptionState.Pending)
                    {
                        _subscriptions.Remove(key);
                        _pending.RemoveAll(p => p.Subscription == sub);
                        sub.State = C2SubscriptionState.Failed;
                        sub.LastError = "no acknowledgement within " + timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
                    }
                }
                throw new TimeoutException(string.Format(CultureInfo.InvariantCulture,
                    "The server did not acknowledge the subscription to {0} within {1:0.###} s (session {2} is {3}). Try again, or raise -TimeoutSec.", key, timeout.TotalSeconds, Id, State));
            }
            await acked.ConfigureAwait(false); // rethrows C2ServerErrorException
            return sub;
        }

        private async Task SendSubscribeAsync(Connection conn, C2Subscription sub, long? resume, bool isResubscribe)
        {
            var req = NewPending(conn, sub, "subscribe", isResubscribe);
            sub.ResumeFrom = resume ?? sub.ResumeFrom;
            var bytes = ClientMessages.Subscription("subscribe", sub.Channel, sub.StrategyId, req.RequestId, sub.Channel == Channels.Signal ? resume : null, _options.ResumeFromType, ServerNow());
            await conn.SendAsync(bytes).ConfigureAwait(false);
        }

        internal async Task<bool> UnsubscribeAsync(C2Subscription sub, TimeSpan timeout, CancellationToken cancel)
        {
            lock (_gate)
            {
                if (_subscriptions.TryGetValue(sub.Key, out var current) && ReferenceEquals(current, sub)) _subscriptions.Remove(sub.Key);
                sub.State = C2SubscriptionState.Removed;
                _pending.RemoveAll(p => p.Subscription == sub && p.Action == "subscribe");
            }
            sub.Acked.TrySetResult(false);
            Connection? conn;
            lock (_gate) conn = _ready;
            if (conn == null) return false; // nothing to tell a server we are not connected to; not resubscribed later either
            Record(DiagnosticKind.Verbose, "Session " + Id + ": unsubscribing from " + sub.Key + ".");
            var req = NewPending(conn, sub, "unsubscribe", false);
            await conn.SendAsync(ClientMessages.Subscription("unsubscribe", sub.Channel, sub.StrategyId, req.RequestId, null, _options.ResumeFromType, ServerNow())).ConfigureAwait(false);
            // C2 does not document the reply to an unsubscribe; wait for an ack or error, but never forever.
            var winner = await Task.WhenAny(req.Done.Task, Task.Delay(timeout, cancel)).ConfigureAwait(false);
            if (winner != req.Done.Task)
            {
                lock (_gate) _pending.Remove(req);
                cancel.ThrowIfCancellationRequested();
                Record(DiagnosticKind.Verbose, "Session " + Id + ": no reply to the unsubscribe of " + sub.Key + " within " + timeout.TotalSeconds + " s; messages that still arrive for it are dropped.");
                return false;
            }
            await req.Done.Task.ConfigureAwait(false);
            return true;
        }

        private PendingRequest NewPending(Connection conn, C2Subscription sub, string action, bool isResubscribe)
        {
            var id = "ps" + Id.ToString(CultureInfo.InvariantCulture) + "-" + Interlocked.Increment(ref _requestCounter).ToString(CultureInfo.InvariantCulture);
            var req = new PendingRequest(id, conn, sub, action, isResubscribe);
            lock (_gate) _pending.Add(req);
            return req;
        }

        // ----- receiving (called on the connection's receive loop) ------------------------------------

        internal async Task OnMessageAsync(Connection conn, ServerMessage m)
        {
            Interlocked.Increment(ref _messagesReceived);
            var now = DateTimeOffset.UtcNow;
            LastMessageAt = now;
            if (m.TypeMismatches > 0)
                Record(DiagnosticKind.Verbose, "Session " + Id + ": a " + m.MsgType + " message had " + m.TypeMismatches + " envelope field(s) of the wrong JSON type; they were ignored.");
            if (m.Version.HasValue && m.Version.Value != ProtocolLimits.ProtocolVersion && !_versionWarned)
            {
                _versionWarned = true;
                ServerVersion = m.Version;
                Record(DiagnosticKind.Warning, "The C2 server speaks protocol version " + m.Version.Value + "; this module was written for version 4. Messages are still processed; check for a module update.");
            }
            else if (m.Version.HasValue) ServerVersion = m.Version;

            switch (m.MsgType)
            {
                case MessageTypes.Heartbeat:
                    Interlocked.Increment(ref _heartbeatsReceived);
                    LastHeartbeatAt = now;
                    UpdateClock(m.Timestamp, now);
                    await conn.SendAsync(ClientMessages.HeartbeatAck(ServerNow())).ConfigureAwait(false);
                    Interlocked.Increment(ref _heartbeatAcksSent);
                    break;
                case MessageTypes.ConnectionConnected:
                    UpdateClock(m.Timestamp, now);
                    ConnectedAt = now;
                    conn.MarkConnected();
                    break;
                case MessageTypes.ConnectionDisconnected:
                    Record(DiagnosticKind.Verbose, "Session " + Id + ": the server announced connection.disconnected; expecting the socket to close.");
                    break;
                case MessageTypes.SubscriptionAck:
                    OnAck(m);
                    break;
                case MessageTypes.Error:
                    OnError(m);
                    break;
                case MessageTypes.StrategySignal:
                case MessageTypes.StrategyPositions:
                    OnData(m, now);
                    break;
                case MessageTypes.Gap:
                    OnGap(m);
                    break;
                default:
                    Interlocked.Increment(ref _unknown);
                    Record(DiagnosticKind.Debug, "Session " + Id + ": ignored a message of unknown type '" + Truncate(m.MsgType, 64) + "'.");
                    break;
            }
        }

        /// <summary>
        /// Decodes and handles one received message. Bad content (binary frames, invalid UTF-8, malformed or
        /// non-object JSON, payloads the projection cannot take) is counted in <see cref="MalformedMessages"/>,
        /// reported as verbose text and skipped: only a failure of the socket itself (sending the heartbeat.ack)
        /// escapes, which ends this connection and lets the supervisor reconnect.
        /// </summary>
        internal async Task HandleReceivedAsync(Connection conn, byte[] buffer, int length, bool binary)
        {
            if (binary)
            {
                OnUndecodable("BinaryFrame", "a binary frame of " + length.ToString(CultureInfo.InvariantCulture) + " bytes (C2 sends JSON text)");
                return;
            }
            ServerMessage decoded;
            try
            {
                decoded = ServerMessage.Decode(buffer, length);
            }
            catch (ProtocolException ex)
            {
                OnUndecodable(ex.Reason, ex.Message);
                return;
            }
            try
            {
                await OnMessageAsync(conn, decoded).ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsTransportFailure(ex))
            {
                Interlocked.Increment(ref _handlingFailures);
                OnUndecodable("HandlingFailed", "a " + Truncate(decoded.MsgType, 64) + " message could not be handled (" + ex.GetType().Name + ": " + ex.Message + ")");
            }
            finally
            {
                // Everything kept from the message was copied out; the receive buffer is reused next.
                decoded.Dispose();
            }
        }

        private static bool IsTransportFailure(Exception ex) =>
            ex is OperationCanceledException || ex is WebSocketException || ex is ObjectDisposedException || ex is System.IO.IOException;

        private long _handlingFailures;
        /// <summary>Decoded messages whose handling threw (a bug or a payload shape the projection cannot take); also in MalformedMessages.</summary>
        internal long HandlingFailures => Interlocked.Read(ref _handlingFailures);

        internal Connection? CurrentConnection { get { lock (_gate) return _current; } }

        internal void OnUndecodable(string reason, string detail)
        {
            Interlocked.Increment(ref _malformed);
            Record(DiagnosticKind.Verbose, "Session " + Id + ": dropped an undecodable server message (" + reason + "): " + Truncate(detail, 300));
        }

        internal void OnProtocolViolation(string errorId, string message)
        {
            Interlocked.Increment(ref _malformed);
            RecordError(errorId, ErrorCategory.InvalidData, "Session " + Id + ": " + message, null);
        }

        private void UpdateClock(DateTimeOffset? serverTs, DateTimeOffset localNow)
        {
            if (!serverTs.HasValue) return;
            var offset = serverTs.Value - localNow;
            // Server timestamps have whole seconds; only a real skew (seconds or more) is corrected.
            var target = Math.Abs(offset.TotalSeconds) >= 2 ? offset.Ticks : 0;
            var current = Interlocked.Read(ref _clockOffsetTicks);
            if (Math.Abs(TimeSpan.FromTicks(target - current).TotalSeconds) < 2) { _clockSampled = true; _clockCandidateTicks = null; return; }
            // The first sample (connection.connected) applies at once, before any request is sent; after that a
            // change needs two consecutive server timestamps that agree, so one junk timestamp cannot move our clock.
            if (_clockSampled && !(_clockCandidateTicks is long candidate && Math.Abs(TimeSpan.FromTicks(target - candidate).TotalSeconds) < 2))
            {
                _clockCandidateTicks = target;
                return;
            }
            _clockSampled = true;
            _clockCandidateTicks = null;
            Interlocked.Exchange(ref _clockOffsetTicks, target);
            Record(DiagnosticKind.Verbose, string.Format(CultureInfo.InvariantCulture, "Session {0}: the local clock is {1:0.#} s {2} the server's; timestamps sent are corrected.", Id, Math.Abs(offset.TotalSeconds), offset > TimeSpan.Zero ? "behind" : "ahead of"));
        }

        internal DateTime ServerNow() => DateTime.UtcNow + ClockOffset;

        private PendingRequest? MatchPending(string? requestId)
        {
            lock (_gate)
            {
                PendingRequest? found = null;
                if (requestId != null) found = _pending.FirstOrDefault(p => p.RequestId == requestId);
                // C2 does not document whether every reply echoes request_id; the server answers in order, so
                // a reply without one belongs to the oldest outstanding request.
                if (found == null && requestId == null && _pending.Count > 0) found = _pending[0];
                if (found != null) _pending.Remove(found);
                return found;
            }
        }

        private void OnAck(ServerMessage m)
        {
            var req = MatchPending(m.RequestId);
            if (req == null)
            {
                Record(DiagnosticKind.Debug, "Session " + Id + ": subscription.ack for no outstanding request (request_id '" + Truncate(m.RequestId, 60) + "').");
                return;
            }
            if (req.Action == "subscribe")
            {
                var sub = req.Subscription;
                lock (_gate)
                {
                    if (sub.State == C2SubscriptionState.Pending) sub.State = C2SubscriptionState.Active;
                    sub.SubscribedAt = DateTimeOffset.UtcNow;
                    // Replay (if any) comes right after this ack: whatever a full inbox set aside is fetched again now.
                    var st = StreamFor(sub.Key);
                    if (st.Suspended) { st.Suspended = false; _suspendedStreams--; }
                }
                Record(DiagnosticKind.Verbose, "Session " + Id + ": subscribed to " + sub.Key + ".");
                sub.Acked.TrySetResult(true);
            }
            req.Done.TrySetResult(m);
        }

        private void OnError(ServerMessage m)
        {
            var error = C2ServerError.FromPayload(m.Payload, m.RequestId);
            var req = MatchPending(m.RequestId);
            if (req == null)
            {
                RecordError("C2ServerError", CategoryFor(error.Code), "Session " + Id + ": the server reported an error not tied to a request of this client: " + error + ".", null, error);
                return;
            }
            var sub = req.Subscription;
            var context = (req.Action == "subscribe" ? "Subscribing to " : "Unsubscribing from ") + sub.Key;
            var ex = new C2ServerErrorException(context, error);
            if (req.Action == "subscribe")
            {
                lock (_gate)
                {
                    sub.State = C2SubscriptionState.Failed;
                    sub.LastError = error.ToString();
                    if (_subscriptions.TryGetValue(sub.Key, out var cur) && ReferenceEquals(cur, sub)) _subscriptions.Remove(sub.Key);
                }
                if (req.IsResubscribe)
                {
                    var gap = new C2DeliveryGap(Id, C2DeliveryProblem.ResubscribeFailed, sub.Channel, sub.StrategyId, LastQueuedSeq(sub.Channel, sub.StrategyId),
                        "The subscription to " + sub.Key + " could not be restored after a reconnect; the server answered " + error + ". Nothing more is received for it.")
                    { ServerMessage = error.ToString() };
                    _inbox.AddNotice(new InboxItem(gap));
                }
                sub.Acked.TrySetException(ex);
                _ = sub.Acked.Task.Exception; // observed here; SubscribeAsync rethrows it to the caller
            }
            req.Done.TrySetException(ex);
            _ = req.Done.Task.Exception;
        }

        internal static ErrorCategory CategoryFor(string? code)
        {
            switch (code)
            {
                case "FORBIDDEN": return ErrorCategory.PermissionDenied;
                case "UNAUTHORIZED": return ErrorCategory.AuthenticationError;
                case "INVALID_PARAMETER":
                case "MANDATORY_PARAM_EMPTY_OR_MALFORMED":
                case "OPTIONAL_PARAMS_BAD_COMBO": return ErrorCategory.InvalidArgument;
                case "NOT_FOUND": return ErrorCategory.ObjectNotFound;
                default: return ErrorCategory.InvalidOperation;
            }
        }

        private void OnData(ServerMessage m, DateTimeOffset receivedAt)
        {
            var channel = m.MsgType;
            var strategyId = ResolveStrategy(m, channel);
            var key = C2Subscription.StreamKey(channel, strategyId);
            lock (_gate)
            {
                if (strategyId.HasValue && !(_subscriptions.TryGetValue(key, out var sub) && (sub.State == C2SubscriptionState.Active || sub.State == C2SubscriptionState.Pending)))
                {
                    // After an unsubscribe, or for a stream never asked for: not ours to deliver.
                    Interlocked.Increment(ref _late);
                    return;
                }
                var st = StreamFor(key);
                if (m.SeqId is long seq && st.LastQueued.HasValue && seq <= st.LastQueued.Value)
                {
                    Interlocked.Increment(ref _duplicatesDropped);
                    return;
                }
                if (st.Suspended)
                {
                    // Set aside while the inbox was full; the resubscribe with resume_from fetches it again.
                    if (st.Overflow != null) st.Overflow.Count = (st.Overflow.Count ?? 0) + 1;
                    return;
                }

                var fields = PayloadFields.From(m.Payload, _fieldNames);
                _fieldNames = fields.Names;
                C2StreamMessage message = channel == Channels.Signal
                    ? new C2Signal(Id, strategyId, m.SeqId, m.Id, m.Timestamp, receivedAt, fields, m.Utf8)
                    : (C2StreamMessage)new C2PositionUpdate(Id, strategyId, m.SeqId, m.Id, m.Timestamp, receivedAt, fields, m.Utf8);

                if (!_inbox.TryAdd(new InboxItem(message)))
                {
                    Interlocked.Increment(ref _overflowed);
                    OnInboxFull(st, key, channel, strategyId, m.SeqId);
                    return;
                }
                Interlocked.Increment(ref _dataQueued);
                if (m.SeqId is long s)
                {
                    if (st.OpenGap != null) { st.OpenGap.BeforeSeqId = s; st.OpenGap = null; }
                    st.LastQueued = s;
                }
            }
        }

        /// <summary>Called under _gate. Decides what a full inbox means for this stream (documented in about_C2WebSocket).</summary>
        private void OnInboxFull(StreamState st, string key, string channel, long? strategyId, long? seq)
        {
            if (channel == Channels.Signal && seq.HasValue && strategyId.HasValue)
            {
                // Signals can be fetched again: stop queueing this stream and resubscribe with resume_from once
                // the reader has made room. Nothing is lost unless more than 1000 pile up (then the server's gap).
                st.Suspended = true;
                _suspendedStreams++;
                st.Overflow = new C2DeliveryGap(Id, C2DeliveryProblem.InboxOverflow, channel, strategyId, st.LastQueued,
                    "The inbox (capacity " + _inbox.Capacity + ") was full: signals of " + key + " after seq_id " + (st.LastQueued?.ToString(CultureInfo.InvariantCulture) ?? "(none)") +
                    " were set aside and are being fetched again with resume_from. Receive faster, or raise -InboxCapacity.")
                { Recovering = true, Count = 1 };
                _inbox.AddNotice(new InboxItem(st.Overflow));
                return;
            }
            if (st.OpenGap != null && st.OpenGap.Problem == C2DeliveryProblem.InboxOverflow)
            {
                st.OpenGap.Count = (st.OpenGap.Count ?? 0) + 1;
                return;
            }
            var lost = new C2DeliveryGap(Id, C2DeliveryProblem.InboxOverflow, channel, strategyId, st.LastQueued,
                "The inbox (capacity " + _inbox.Capacity + ") was full: " + channel + " messages of " + key + " were dropped and cannot be replayed (C2 replays strategy.signal only). Refresh positions from the REST API; receive faster or raise -InboxCapacity.")
            { Count = 1 };
            st.OpenGap = lost;
            _inbox.AddNotice(new InboxItem(lost));
        }

        private void OnGap(ServerMessage m)
        {
            var streamName = m.PayloadString("channel") ?? "";
            var from = m.PayloadString("from");
            var serverText = m.PayloadString("message");
            var channel = streamName;
            long? strategyId = m.PayloadInt64("strategy_id");
            var colon = streamName.LastIndexOf(':');
            if (colon > 0)
            {
                channel = streamName.Substring(0, colon);
                if (long.TryParse(streamName.Substring(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)) strategyId = parsed;
            }
            if (!Channels.IsValid(channel)) channel = Channels.Signal;
            var key = C2Subscription.StreamKey(channel, strategyId);
            lock (_gate)
            {
                var st = StreamFor(key);
                if (st.OpenGap != null && st.OpenGap.Problem == C2DeliveryProblem.ReplayLimitExceeded)
                {
                    // Already reported and nothing delivered since: one notice per hole, however often the
                    // server repeats it (a hostile or looping server must not grow the inbox without bound).
                    return;
                }
                long? after = st.LastQueued;
                if (!after.HasValue && long.TryParse(from, NumberStyles.Integer, CultureInfo.InvariantCulture, out var f)) after = f;
                var gap = new C2DeliveryGap(Id, C2DeliveryProblem.ReplayLimitExceeded, channel, strategyId, after,
                    "The server replayed at most " + ProtocolLimits.ReplayLimit + " missed signals of " + key + " (resume_from " + (from ?? "?") + ") and skipped the rest: fetch them from the C2 REST API (GetStrategyHistoricalOrders).")
                { ServerMessage = serverText };
                st.OpenGap = gap;
                _inbox.AddNotice(new InboxItem(gap));
            }
        }

        private long? ResolveStrategy(ServerMessage m, string channel)
        {
            // The envelope has no strategy id; C2 does not publish the payload schema. Use the payload's
            // strategy_id when present, else the only subscription of that channel, else unknown.
            var fromPayload = m.PayloadInt64("strategy_id");
            if (fromPayload.HasValue) return fromPayload;
            lock (_gate)
            {
                long? only = null;
                foreach (var s in _subscriptions.Values)
                {
                    if (s.Channel != channel || s.State == C2SubscriptionState.Removed || s.State == C2SubscriptionState.Failed) continue;
                    if (only.HasValue) return null;
                    only = s.StrategyId;
                }
                return only;
            }
        }

        private StreamState StreamFor(string key)
        {
            if (!_streams.TryGetValue(key, out var st)) _streams[key] = st = new StreamState();
            return st;
        }

        // ----- the pipeline side ----------------------------------------------------------------------

        /// <summary>Takes the next item for Receive-C2Signal (pipeline thread).</summary>
        internal InboxItem? Take(Func<InboxItem, bool>? filter, TimeSpan wait, CancellationToken cancel)
        {
            var item = _inbox.Take(filter, wait, cancel);
            MaybeRecoverOverflow();
            return item;
        }

        internal void Requeue(InboxItem item) => _inbox.Requeue(item);
        internal bool InboxCompleted => _inbox.IsCompleted;
        internal void WakeReaders() => _inbox.Wake();

        /// <summary>After the pipeline processed a message: advance the checkpoint (flushed periodically and at the end).</summary>
        internal void MarkProcessed(C2StreamMessage message)
        {
            if (_checkpoint == null || !message.SeqId.HasValue || !message.StrategyId.HasValue || message.Channel != Channels.Signal) return;
            _checkpoint.Advance(C2Subscription.StreamKey(message.Channel, message.StrategyId), message.SeqId.Value);
            if (DateTime.UtcNow - _lastCheckpointFlush >= _options.CheckpointFlushInterval) FlushCheckpoint();
        }

        internal void FlushCheckpoint()
        {
            if (_checkpoint == null) return;
            _lastCheckpointFlush = DateTime.UtcNow;
            try { _checkpoint.Flush(); }
            catch (Exception ex)
            {
                RecordError("C2CheckpointWriteFailed", ErrorCategory.WriteError, "Session " + Id + ": could not write the checkpoint file '" + _checkpoint.Path + "': " + ex.Message + " Progress is kept in memory and written at the next chance.", ex);
            }
        }

        internal IReadOnlyDictionary<string, long> CheckpointSnapshot() => _checkpoint?.Snapshot() ?? new Dictionary<string, long>();

        private void MaybeRecoverOverflow()
        {
            if (Volatile.Read(ref _suspendedStreams) == 0 || _inbox.DataCount > _inbox.Capacity / 2) return;
            if (Interlocked.CompareExchange(ref _recovering, 1, 0) != 0) return;
            _ = Task.Run(async () =>
            {
                try
                {
                    List<C2Subscription> subs;
                    Connection? conn;
                    lock (_gate)
                    {
                        conn = _ready;
                        subs = _subscriptions.Values.Where(s => s.State == C2SubscriptionState.Active && _streams.TryGetValue(s.Key, out var st) && st.Suspended).ToList();
                    }
                    if (conn == null) return; // the reconnect resubscribes with resume_from anyway
                    await _subscribeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
                    try
                    {
                        foreach (var sub in subs)
                        {
                            var resume = LastQueuedSeq(sub.Channel, sub.StrategyId);
                            Record(DiagnosticKind.Verbose, "Session " + Id + ": the inbox has room again; fetching the signals of " + sub.Key + " after seq_id " + resume + " with resume_from.");
                            var un = NewPending(conn, sub, "unsubscribe", false);
                            await conn.SendAsync(ClientMessages.Subscription("unsubscribe", sub.Channel, sub.StrategyId, un.RequestId, null, _options.ResumeFromType, ServerNow())).ConfigureAwait(false);
                            sub.Acked = C2Subscription.NewTcs();
                            sub.State = C2SubscriptionState.Pending;
                            await SendSubscribeAsync(conn, sub, resume, true).ConfigureAwait(false);
                        }
                    }
                    finally { _subscribeLock.Release(); }
                }
                catch (Exception ex)
                {
                    Record(DiagnosticKind.Verbose, "Session " + Id + ": overflow recovery deferred to the next reconnect: " + ex.Message);
                }
                finally { Volatile.Write(ref _recovering, 0); }
            });
        }

        // ----- diagnostics ----------------------------------------------------------------------------

        private const int MaxDiagnostics = 5000;
        private long _diagnosticsDropped;
        /// <summary>Diagnostics (verbose text, errors) discarded because nobody drained them and the queue hit its cap.</summary>
        public long DiagnosticsDropped => Interlocked.Read(ref _diagnosticsDropped);

        internal void Record(DiagnosticKind kind, string text) => Enqueue(new Diagnostic(kind, text));

        internal void RecordError(string errorId, ErrorCategory category, string text, Exception? ex, object? target = null)
        {
            LastError = text;
            Enqueue(new Diagnostic(DiagnosticKind.Error, text) { ErrorId = errorId, Category = category, Exception = ex, Target = target ?? this });
        }

        private void Enqueue(Diagnostic d)
        {
            _diagnostics.Enqueue(d);
            // Bounded: nobody may read verbose output for days. Errors and warnings are not the ones dropped first,
            // but a server that floods errors must not grow memory either: past twice the cap, the oldest go.
            while (_diagnostics.Count > MaxDiagnostics && _diagnostics.TryPeek(out var head) && (head.Kind == DiagnosticKind.Verbose || head.Kind == DiagnosticKind.Debug))
                _diagnostics.TryDequeue(out _);
            while (_diagnostics.Count > 2 * MaxDiagnostics && _diagnostics.TryDequeue(out _))
                Interlocked.Increment(ref _diagnosticsDropped);
        }

        internal IEnumerable<Diagnostic> DrainDiagnostics()
        {
            while (_diagnostics.TryDequeue(out var d)) yield return d;
        }

        // ----- state and closing ----------------------------------------------------------------------

        private void SetState(C2SessionState state, string reason)
        {
            C2SessionState previous;
            lock (_gate)
            {
                previous = _state;
                if (previous == state) return;
                _state = state;
            }
            Record(DiagnosticKind.Verbose, "Session " + Id + ": " + previous + " -> " + state + " (" + reason + ").");
            var handler = StateChanged;
            if (handler == null) return;
            try { handler(this, new C2SessionStateChangedEventArgs(this, previous, state, reason)); }
            catch (Exception ex) { Record(DiagnosticKind.Warning, "A StateChanged event handler threw: " + ex.Message); }
        }

        private void End(C2SessionState state, string reason)
        {
            SetState(state, reason);
            _inbox.Complete();
            s_openPerKey.AddOrUpdate(_keyFingerprint, 0, (_, n) => Math.Max(0, n - 1));
        }

        /// <summary>Closes with status 1000, stops background work and writes the checkpoint.</summary>
        internal async Task CloseAsync(TimeSpan timeout)
        {
            Connection? conn;
            lock (_gate)
            {
                if (_closing) return;
                _closing = true;
                conn = _current;
            }
            Record(DiagnosticKind.Verbose, "Session " + Id + ": closing (status 1000).");
            if (conn != null) await conn.CloseAsync(timeout).ConfigureAwait(false);
            _lifetime.Cancel();
            if (_supervisor != null)
            {
                try { await Task.WhenAny(_supervisor, Task.Delay(timeout)).ConfigureAwait(false); } catch (Exception) { }
            }
            conn?.Dispose();
            FlushCheckpoint();
            var wasOpen = IsOpen;
            SetState(C2SessionState.Disconnected, "closed by the user");
            _inbox.Complete();
            if (wasOpen) s_openPerKey.AddOrUpdate(_keyFingerprint, 0, (_, n) => Math.Max(0, n - 1));
        }

        public void Dispose()
        {
            try { CloseAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult(); }
            catch (Exception) { /* disposal never throws */ }
        }

        private static string Truncate(string? s, int max) => s == null ? "" : s.Length <= max ? s : s.Substring(0, max) + "…";

        private sealed class StreamState
        {
            public long? LastQueued;
            public bool Suspended;
            public C2DeliveryGap? Overflow;
            public C2DeliveryGap? OpenGap;
        }

        internal sealed class PendingRequest
        {
            public PendingRequest(string id, Connection conn, C2Subscription sub, string action, bool isResubscribe)
            { RequestId = id; Connection = conn; Subscription = sub; Action = action; IsResubscribe = isResubscribe; }
            public string RequestId { get; }
            public Connection Connection { get; }
            public C2Subscription Subscription { get; }
            public string Action { get; }
            public bool IsResubscribe { get; }
            public TaskCompletionSource<ServerMessage> Done { get; } = new TaskCompletionSource<ServerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>A documented protocol limit the client refused to exceed.</summary>
    public sealed class C2LimitException : Exception
    {
        public C2LimitException(string errorId, string message) : base(message) { ErrorId = errorId; }
        public string ErrorId { get; }
    }
}
