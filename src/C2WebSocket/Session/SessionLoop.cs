using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    internal sealed class SubscribeCommand
    {
        public SubscribeCommand(StreamKey key, long? resumeFrom, TimeSpan timeout)
        { Key = key; ResumeFrom = resumeFrom; Timeout = timeout; }
        public StreamKey Key { get; }
        public long? ResumeFrom { get; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<C2Subscription> Done { get; } = new TaskCompletionSource<C2Subscription>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal sealed class UnsubscribeCommand
    {
        public UnsubscribeCommand(C2Subscription sub, TimeSpan timeout) { Sub = sub; Timeout = timeout; }
        public C2Subscription Sub { get; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<UnsubscribeResult> Done { get; } = new TaskCompletionSource<UnsubscribeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal sealed class CloseCommand
    {
        public CloseCommand(TimeSpan timeout) { Timeout = timeout; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<int> Done { get; } = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The one owner of a session's mutable state: connections (links), the subscription book, stream trackers,
    /// requests in flight, the server clock and the session state. Socket frames, connection events, timers and user
    /// commands reach it as <see cref="Input"/>s through one channel; nothing else writes that state. It never waits
    /// on the pipeline: data goes to the <see cref="Inbox"/>, what the user must know to the <see cref="DiagnosticSink"/>.
    /// The rule and the walk of one signal are in Session/README.md.
    /// </summary>
    internal sealed partial class SessionLoop
    {
        private readonly C2Session _session;
        private readonly C2SessionOptions _o;
        private readonly TimeProvider _time;
        private readonly Channel<Input> _inputs = Channel.CreateBounded<Input>(new BoundedChannelOptions(4096)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            // A frame posted while the loop waits runs the loop on the poster's thread: no thread hop per message.
            AllowSynchronousContinuations = true,
        });
        private readonly Inbox _inbox;
        private readonly DiagnosticSink _diag;
        private readonly CheckpointStore? _checkpoint;
        private readonly SessionCounters _c;
        private readonly SubscriptionBook _book;
        private readonly ServerClock _clock;
        private readonly Backoff _backoff;
        private readonly List<Link> _links = new List<Link>();
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly string _keyFingerprint;
        private readonly Dictionary<string, StreamTracker> _unattributed = new Dictionary<string, StreamTracker>(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _naming = new Dictionary<string, bool>(StringComparer.Ordinal);
        private ResumeFromWireType _resumeFormat;
        private TaskCompletionSource<bool>? _opening;
        private ITimer? _watchdog;
        private Task? _run;
        private bool _closing, _ended, _versionWarned;
        private int _nextLinkId;

        public SessionLoop(C2Session session, C2SessionOptions options, Inbox inbox, DiagnosticSink diag, CheckpointStore? checkpoint, SessionCounters counters, string keyFingerprint)
        {
            _session = session;
            _o = options;
            _time = options.TimeProvider;
            _inbox = inbox;
            _diag = diag;
            _checkpoint = checkpoint;
            _c = counters;
            _keyFingerprint = keyFingerprint;
            // Request ids start with the session's id, given when the session opens (before any request is sent).
            _book = new SubscriptionBook(() => "ps" + session.Id.ToString(CultureInfo.InvariantCulture) + "-");
            _clock = new ServerClock(_time);
            _backoff = new Backoff(options.ReconnectInterval, options.MaxReconnectInterval, options.ThrottledReconnectInterval, options.JitterSeed);
            _resumeFormat = !options.ResumeFromTypeFixed && checkpoint?.ResumeFormat is ResumeFromWireType remembered ? remembered : options.ResumeFromType;
        }

        public ServerClock Clock => _clock;
        public ResumeFromWireType ResumeFormat => _resumeFormat;
        private string Sid => _session.Label;

        public void Start() => _run = Task.Run(RunAsync);

        /// <summary>Tests: the connection of a link (read outside the loop, for assertions only).</summary>
        internal Transport.IC2Connection? ConnectionOf(int linkId) => _links.FirstOrDefault(l => l.Id == linkId)?.Connection;

        /// <summary>Tests: hands the loop a frame as if the first connection had received it.</summary>
        internal ValueTask InjectFrameAsync(byte[] data, bool binary)
        {
            var link = _links[0];
            return PostFrameAsync(new Input(InputKind.Frame, link, link.Gen, data, binary));
        }

        // ----- posting --------------------------------------------------------------------------------

        /// <summary>Posts an input without waiting (timers, commands, the reader's room signal).</summary>
        public void Post(in Input input)
        {
            if (_inputs.Writer.TryWrite(input)) return;
            var copy = input;
            _ = PostSlowAsync(copy);
        }

        private async Task PostSlowAsync(Input input)
        {
            try { await _inputs.Writer.WriteAsync(input).ConfigureAwait(false); }
            catch (ChannelClosedException) { FailCommand(input, new ObjectDisposedException("C2Session", Sid + " is closed.")); }
        }

        /// <summary>
        /// For the receive pump. When the loop is idle and nothing is queued, the frame is handled right here, on the
        /// pump's thread, as the loop: <see cref="_busy"/> makes whoever handles inputs the only one (the channel, its
        /// locks and the loop's await cost about a tenth of a message's time in a profile of a burst). Otherwise it is
        /// queued in order behind the rest, waiting when the loop is behind (back-pressure to the socket).
        /// </summary>
        private ValueTask PostFrameAsync(in Input input)
        {
            if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
            {
                if (_inputs.Reader.Count == 0 && !_closing)
                {
                    try { Handle(input); _session.OnProgress(); }
                    finally { Volatile.Write(ref _busy, 0); }
                    return default;
                }
                Volatile.Write(ref _busy, 0);
            }
            return _inputs.Writer.TryWrite(input) ? default : _inputs.Writer.WriteAsync(input);
        }

        /// <summary>1 while a thread handles inputs: the loop's own task, or a receive pump on the direct path.</summary>
        private int _busy;

        /// <summary>Takes <see cref="_busy"/> for the loop's own task. When a pump holds it, the task first leaves the
        /// current thread: it may be that very pump (a post made while handling a frame wakes the waiting loop on the
        /// posting thread), which must finish its frame before anyone else handles an input.</summary>
        private Task EnterLoopAsync() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0 ? Task.CompletedTask : EnterLoopSlowAsync();

        private async Task EnterLoopSlowAsync()
        {
            await Task.Yield();
            var spinner = new SpinWait();
            while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) spinner.SpinOnce(); // a pump handling one frame: microseconds
        }

        private ITimer Schedule(TimeSpan due, Input input)
        {
            var state = new TimerPost(this, input);
            return _time.CreateTimer(static s => ((TimerPost)s!).Fire(), state, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }

        private sealed class TimerPost
        {
            private readonly SessionLoop _loop; private readonly Input _input;
            public TimerPost(SessionLoop loop, Input input) { _loop = loop; _input = input; }
            public void Fire() => _loop.Post(_input);
        }

        // ----- the loop -------------------------------------------------------------------------------

        private async Task RunAsync()
        {
            var reader = _inputs.Reader;
            try
            {
                while (await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    await EnterLoopAsync().ConfigureAwait(false);
                    try
                    {
                        while (reader.TryRead(out var input))
                        {
                            // Closing awaits the sockets while the loop is held: pumps queue meanwhile (and find the channel closed).
                            if (input.Kind == InputKind.Close) await CloseAsync((CloseCommand)input.Arg!).ConfigureAwait(false);
                            else Handle(input);
                        }
                        _session.OnProgress();
                    }
                    finally { Volatile.Write(ref _busy, 0); }
                }
            }
            catch (Exception ex)
            {
                // Never let a background exception escape: it would kill the host process.
                _diag.Add(C2DiagnosticLevel.Error, C2DiagnosticCode.SessionFaulted, Sid + " stopped after an internal error: " + ex.Message, _session, ex);
                await EnterLoopAsync().ConfigureAwait(false);
                try { End(C2SessionState.Failed, "internal error: " + ex.Message); }
                finally { Volatile.Write(ref _busy, 0); }
            }
        }

        private void Handle(in Input input)
        {
            try
            {
                switch (input.Kind)
                {
                    case InputKind.Frame: OnFrame(input.Link!, input.Gen, input.Data!, input.Binary); break;
                    case InputKind.Ended: OnEnded(input.Link!, input.Gen, (ConnectionEnd)input.Arg!); break;
                    case InputKind.ConnectDone: OnConnectDone(input.Link!, input.Gen, input.Arg); break;
                    case InputKind.ReconnectDue: if (input.Gen == input.Link!.Gen && input.Link.State == LinkState.Backoff) Connect(input.Link); break;
                    case InputKind.HandshakeDeadline: OnHandshakeDeadline(input.Link!, input.Gen); break;
                    case InputKind.Watchdog: OnWatchdog(); break;
                    case InputKind.RequestTimeout: OnRequestTimeout((PendingRequest)input.Arg!); break;
                    case InputKind.WaiterTimeout: OnWaiterTimeout((WaiterTimeoutArg)input.Arg!); break;
                    case InputKind.Open: OnOpen((TaskCompletionSource<bool>)input.Arg!); break;
                    case InputKind.Subscribe: OnSubscribe((SubscribeCommand)input.Arg!); break;
                    case InputKind.Unsubscribe: OnUnsubscribe((UnsubscribeCommand)input.Arg!); break;
                    case InputKind.Room: OnRoom((StreamKey)input.Arg!); break;
                    case InputKind.WitnessDue: OnWitnessDue((PendingRequest)input.Arg!); break;
                }
            }
            catch (Exception ex) when (input.Kind == InputKind.Frame)
            {
                // A message the handlers could not take (a bug, or a shape nobody foresaw) is counted and skipped.
                _c.Inc(ref _c.HandlingFailures);
                Malformed("HandlingFailed", "a message could not be handled (" + ex.GetType().Name + ": " + ex.Message + ")");
            }
            catch (Exception ex)
            {
                FailCommand(input, ex);
                _diag.Verbose(Sid + ": " + input.Kind + " failed: " + ex.Message);
            }
        }

        private static void FailCommand(in Input input, Exception ex)
        {
            switch (input.Arg)
            {
                case SubscribeCommand s: s.Done.TrySetException(ex); break;
                case UnsubscribeCommand u: u.Done.TrySetException(ex); break;
                case CloseCommand c: c.Done.TrySetException(ex); break;
                case TaskCompletionSource<bool> open: open.TrySetException(ex); break;
            }
        }

        // ----- state ----------------------------------------------------------------------------------

        private void PublishSubscriptions() => _session.PublishSubscriptions(_book.Snapshot());

        /// <summary>Connected when every connection in use is ready and its resubscribes are answered.</summary>
        private void UpdateState()
        {
            if (_closing || _ended || _opening != null) return;
            var inUse = _links.Where(l => l.Id == 0 || _book.LiveCount(l) > 0).ToList();
            var ready = inUse.All(l => l.State == LinkState.Ready && l.ResubscribesOutstanding <= 0);
            _session.SetState(ready ? C2SessionState.Connected : C2SessionState.Reconnecting, ready ? "reconnected; subscriptions restored" : _session.LastError ?? "a connection is not ready");
        }

        /// <summary>The session is over (gave up, key refused, reconnect off): nothing more will arrive.</summary>
        private void End(C2SessionState state, string reason)
        {
            if (_ended) return;
            _ended = true;
            foreach (var link in _links) Shut(link);
            _book.DropAll();
            foreach (var e in _book.All.ToList())
            {
                if (e.IsLive) e.Sub.State = C2SubscriptionState.Closed;
                FailWaiters(e, new InvalidOperationException(Sid + " ended: " + reason));
            }
            _opening?.TrySetException(new InvalidOperationException(Sid + " ended: " + reason));
            _opening = null;
            PublishSubscriptions();
            _session.SetState(state, reason);
            _inbox.Complete();
            _watchdog?.Dispose();
        }

        private void Shut(Link link)
        {
            link.Timer?.Dispose();
            link.Timer = null;
            link.Gen++;
            link.Connection?.Abort();
            link.Connection?.Dispose();
            link.Connection = null;
            link.State = LinkState.Closed;
            if (link.HoldsBudget) { ConnectionBudget.Release(_keyFingerprint); link.HoldsBudget = false; }
        }

        private async Task CloseAsync(CloseCommand cmd)
        {
            if (_closing) { cmd.Done.TrySetResult(0); return; }
            _closing = true;
            _diag.Verbose(Sid + ": closing (status 1000).");
            var closes = _links.Where(l => l.Connection != null).Select(l => l.Connection!.CloseAsync(cmd.Timeout)).ToArray();
            try { await Task.WhenAny(Task.WhenAll(closes), _time.Delay(cmd.Timeout)).ConfigureAwait(false); } catch (Exception) { }
            var dropped = _inbox.Clear();
            if (dropped > 0) _diag.Verbose(Sid + ": " + dropped.ToString(CultureInfo.InvariantCulture) + " queued message(s) that no Receive-C2Signal had taken were discarded.");
            var wasEnded = _ended;
            _ended = true;
            foreach (var link in _links) Shut(link);
            _book.DropAll();
            foreach (var e in _book.All.ToList())
            {
                if (e.IsLive || e.Sub.State == C2SubscriptionState.Closed) e.Sub.State = C2SubscriptionState.Closed;
                FailWaiters(e, new InvalidOperationException(Sid + " was closed."));
            }
            PublishSubscriptions();
            _watchdog?.Dispose();
            _lifetime.Cancel();
            if (!wasEnded) _session.SetState(C2SessionState.Disconnected, "closed by the user");
            _inbox.Complete();
            _inputs.Writer.TryComplete();
            cmd.Done.TrySetResult(dropped);
        }

        // ----- diagnostics helpers --------------------------------------------------------------------

        private void Malformed(string reason, string detail)
        {
            _c.Inc(ref _c.Malformed);
            _diag.Add(C2DiagnosticLevel.Verbose, C2DiagnosticCode.MalformedMessage, Sid + ": skipped a server message (" + reason + "): " + EnvelopeReader.Truncate(detail, 300));
        }

        private long _debugWindowStart;
        private int _debugInWindow;

        /// <summary>Debug lines are the per-message story (heartbeats, acks, frames, backoff): at most 20 a second, the rest
        /// counted. True when a line may be written now; ask before building the text of a per-message line.</summary>
        private bool DebugSlot()
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_debugWindowStart, now) >= TimeSpan.FromSeconds(1))
            {
                if (_debugInWindow > 20) _diag.Debug(Sid + ": (" + (_debugInWindow - 20).ToString(CultureInfo.InvariantCulture) + " more debug lines in the last second were not shown)");
                _debugWindowStart = now;
                _debugInWindow = 0;
            }
            return ++_debugInWindow <= 20;
        }

        private void Debug(string text)
        {
            if (DebugSlot()) _diag.Debug(text);
        }
    }
}
