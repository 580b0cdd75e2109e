using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// A transport with no socket: the test plays the C2 server. Each connect attempt is counted (with the fake time
    /// it was made at) and answered from a script (accept, or refuse with a <see cref="C2ConnectException"/>); when
    /// the script is empty it accepts. An accepted connection sends <c>connection.connected</c> unless told not to.
    /// </summary>
    internal sealed class InMemoryServer : IC2Transport
    {
        private readonly object _gate = new object();
        private readonly Queue<Func<IC2Connection>> _script = new Queue<Func<IC2Connection>>();
        private readonly List<DateTimeOffset> _connectTimes = new List<DateTimeOffset>();
        private readonly Channel<ServerConnection> _accepted = Channel.CreateUnbounded<ServerConnection>();
        private readonly List<Action> _attemptWatchers = new List<Action>();
        private ServerConnection? _current;

        public InMemoryServer(TimeProvider clock) { Clock = clock; }

        public TimeProvider Clock { get; }
        public Uri Uri { get; } = new Uri("ws://in-memory.test/ws");

        /// <summary>Accepted connections send connection.connected at once (set false to test the handshake).</summary>
        public bool SendsConnected { get; set; } = true;

        public int Connects { get { lock (_gate) return _connectTimes.Count; } }

        /// <summary>When each connect attempt was made, on the session's clock.</summary>
        public IReadOnlyList<DateTimeOffset> ConnectTimes { get { lock (_gate) return _connectTimes.ToArray(); } }

        /// <summary>The connection accepted last.</summary>
        public ServerConnection? Current { get { lock (_gate) return _current; } }

        /// <summary>The next attempt is accepted (the default when nothing is scripted).</summary>
        public void AcceptNext(bool sendConnected = true)
        {
            lock (_gate) _script.Enqueue(() => Accept(sendConnected));
        }

        /// <summary>The next attempt fails as the real transport fails it: 401, 429 and 503 before the upgrade, or a network step.</summary>
        public void RefuseNext(C2ConnectFailure failure, TimeSpan? retryAfter = null)
        {
            var ex = Refusal(failure, Uri, retryAfter);
            lock (_gate) _script.Enqueue(() => throw ex);
        }

        public static C2ConnectException Refusal(C2ConnectFailure failure, Uri uri, TimeSpan? retryAfter = null)
        {
            switch (failure)
            {
                case C2ConnectFailure.AuthenticationFailed:
                    return new C2ConnectException(failure, C2ConnectStep.Upgrade, uri, "The server refused the API key (HTTP 401).", 401, "Invalid API key", retryAfter, isThrottle: false);
                case C2ConnectFailure.RateLimited:
                    return new C2ConnectException(failure, C2ConnectStep.Upgrade, uri, "Too many connection attempts (HTTP 429).", 429, "rate limit exceeded", retryAfter, isThrottle: true);
                case C2ConnectFailure.ServiceUnavailable:
                    return new C2ConnectException(failure, C2ConnectStep.Upgrade, uri, "Service unavailable (HTTP 503).", 503, "connection limit", retryAfter, isThrottle: true);
                default:
                    return new C2ConnectException(failure, C2ConnectStep.Tcp, uri, "The test server refused the connection (" + failure + ").", retryAfter: retryAfter);
            }
        }

        /// <summary>Takes the next accepted connection in order of acceptance (the first call returns the first one), waiting for it.</summary>
        public async Task<ServerConnection> NextConnectionAsync(TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? Units.Wait);
            try { return await _accepted.Reader.ReadAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException("No connection was accepted within " + (timeout ?? Units.Wait) + " (" + Connects + " connect attempts so far)."); }
        }

        /// <summary>The next message the client sent on the connection accepted last.</summary>
        public Task<ClientMessage> NextClientMessageAsync(TimeSpan? timeout = null) =>
            (Current ?? throw new InvalidOperationException("No connection was accepted yet.")).NextClientMessageAsync(timeout);

        /// <summary>Waits until at least <paramref name="count"/> connect attempts were made.</summary>
        public async Task WaitForConnectsAsync(int count, TimeSpan? timeout = null)
        {
            var reached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action check = () => { if (Connects >= count) reached.TrySetResult(true); };
            lock (_gate) _attemptWatchers.Add(check);
            try
            {
                check();
                var limit = timeout ?? Units.Wait;
                try { await reached.Task.WaitAsync(limit); }
                catch (TimeoutException) { throw new TimeoutException("Expected " + count + " connect attempts within " + limit + ", saw " + Connects + "."); }
            }
            finally
            {
                lock (_gate) _attemptWatchers.Remove(check);
            }
        }

        Task<IC2Connection> IC2Transport.ConnectAsync(ConnectSettings settings, CancellationToken cancel)
        {
            Func<IC2Connection>? outcome;
            lock (_gate) outcome = _script.Count > 0 ? _script.Dequeue() : null;
            var at = Clock.GetUtcNow();
            Task<IC2Connection> result;
            try { result = Task.FromResult(outcome != null ? outcome() : Accept(SendsConnected)); }
            catch (Exception ex) { result = Task.FromException<IC2Connection>(ex); }
            // Counted once the outcome is known, so a test woken by the count sees the accepted connection as Current.
            Action[] watchers;
            lock (_gate)
            {
                _connectTimes.Add(at);
                watchers = _attemptWatchers.ToArray();
            }
            foreach (var w in watchers) w();
            return result;
        }

        private IC2Connection Accept(bool sendConnected)
        {
            var conn = new ServerConnection(Clock);
            if (sendConnected) conn.SendConnected();
            lock (_gate) _current = conn;
            _accepted.Writer.TryWrite(conn);
            return conn;
        }
    }

    /// <summary>A message the client sent, parsed.</summary>
    internal sealed class ClientMessage
    {
        public ClientMessage(byte[] utf8)
        {
            Text = Encoding.UTF8.GetString(utf8);
            using var doc = JsonDocument.Parse(utf8);
            Root = doc.RootElement.Clone();
        }

        public string Text { get; }
        public JsonElement Root { get; }
        public string? Type => Str(Root, "msg_type");
        public string? RequestId => Str(Root, "request_id");
        public string? Timestamp => Str(Root, "timestamp");
        public JsonElement Payload => Root.TryGetProperty("payload", out var p) ? p : default;
        public string? Action => Payload.ValueKind == JsonValueKind.Object ? Str(Payload, "action") : null;
        public long? StrategyId => Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty("strategy_id", out var s) && s.TryGetInt64(out var v) ? v : (long?)null;

        /// <summary>resume_from as sent (a JSON string or number), or an undefined element when absent.</summary>
        public JsonElement ResumeFrom => Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty("resume_from", out var r) ? r : default;

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        public override string ToString() => Text;
    }

    /// <summary>
    /// One accepted connection, seen from both ends: the session reads and sends through <see cref="IC2Connection"/>;
    /// the test pushes server frames, reads what the client sent, closes with a status, or drops it.
    /// </summary>
    internal sealed class ServerConnection : IC2Connection
    {
        private readonly TimeProvider _clock;
        private readonly Channel<byte[]> _toClient = Channel.CreateUnbounded<byte[]>();
        private readonly Channel<ClientMessage> _fromClient = Channel.CreateUnbounded<ClientMessage>();
        private readonly TaskCompletionSource<Exception> _broken = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _aborted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _clientClosed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _reading = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _messageCounter;

        public ServerConnection(TimeProvider clock) { _clock = clock; }

        /// <summary>Completes when the client first reads: its receive pump runs (the session handled the accept).</summary>
        public Task Reading => _reading.Task;

        // ----- the test's side (the server) ------------------------------------------------------------

        /// <summary>Completes when the client aborted the connection (watchdog, handshake deadline, shutdown).</summary>
        public Task Aborted => _aborted.Task;

        /// <summary>Completes when the client closed the connection normally (status 1000).</summary>
        public Task ClientClosed => _clientClosed.Task;

        public bool IsAborted => _aborted.Task.IsCompleted;

        public void Push(string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            if (_held != null) _held.Add(bytes);
            else _toClient.Writer.TryWrite(bytes);
        }

        private List<byte[]>? _held;

        /// <summary>Frames the test sends from now on are kept back instead of reaching the client (<see cref="TakeHeld"/>):
        /// a test hands them to the loop as one batch, as a burst the socket had buffered reaches it.</summary>
        public void HoldFrames() => _held = new List<byte[]>();

        /// <summary>The frames kept back since <see cref="HoldFrames"/>, in order; later ones reach the client again.</summary>
        public byte[][] TakeHeld()
        {
            var held = (_held ?? throw new InvalidOperationException("HoldFrames was not called.")).ToArray();
            _held = null;
            return held;
        }

        /// <summary>A message the client sends throws when this says so: what a bug in handling a message looks like to the loop.</summary>
        public Func<string, bool>? ThrowOnSend { get; set; }

        public void SendConnected(DateTimeOffset? timestamp = null) =>
            Push("{\"msg_type\":\"connection.connected\",\"id\":\"" + NextId() + "\",\"timestamp\":\"" + Iso(timestamp ?? _clock.GetUtcNow()) + "\",\"v\":4}");

        public void SendHeartbeat(DateTimeOffset? timestamp = null) =>
            Push("{\"msg_type\":\"heartbeat\",\"id\":\"" + NextId() + "\",\"timestamp\":\"" + Iso(timestamp ?? _clock.GetUtcNow()) + "\",\"v\":4}");

        public void SendAck(ClientMessage request) => SendAck(request.RequestId);

        public void SendAck(string? requestId) =>
            Push("{\"msg_type\":\"subscription.ack\",\"id\":\"" + NextId() + "\"" + (requestId != null ? ",\"request_id\":\"" + requestId + "\"" : "") +
                 ",\"timestamp\":\"" + Iso(_clock.GetUtcNow()) + "\",\"v\":4,\"payload\":{}}");

        public void SendError(string code, string field, string message, string? requestId = null) =>
            Push("{\"msg_type\":\"error\",\"id\":\"" + NextId() + "\"" + (requestId != null ? ",\"request_id\":\"" + requestId + "\"" : "") +
                 ",\"timestamp\":\"" + Iso(_clock.GetUtcNow()) + "\",\"v\":4,\"payload\":{\"code\":\"" + code + "\",\"field\":\"" + field + "\",\"message\":\"" + message + "\"}}");

        /// <summary>A strategy.signal naming its strategy in the payload, with a message id unique to (strategy, seq).</summary>
        public void SendSignal(long strategyId, long seq, DateTimeOffset? timestamp = null) =>
            Push("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_" + strategyId.ToString(CultureInfo.InvariantCulture) + "_" + seq.ToString(CultureInfo.InvariantCulture) +
                 "\",\"seq_id\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"timestamp\":\"" + Iso(timestamp ?? _clock.GetUtcNow()) +
                 "\",\"v\":4,\"payload\":{\"strategy_id\":" + strategyId.ToString(CultureInfo.InvariantCulture) + ",\"symbol\":\"ESZ6\",\"side\":\"buy\"}}");

        /// <summary>A strategy.positions update naming its strategy in the payload.</summary>
        public void SendPosition(long strategyId, long seq) =>
            Push("{\"msg_type\":\"strategy.positions\",\"id\":\"pos_" + strategyId.ToString(CultureInfo.InvariantCulture) + "_" + seq.ToString(CultureInfo.InvariantCulture) +
                 "\",\"seq_id\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"timestamp\":\"" + Iso(_clock.GetUtcNow()) +
                 "\",\"v\":4,\"payload\":{\"strategy_id\":" + strategyId.ToString(CultureInfo.InvariantCulture) + ",\"symbol\":\"ESZ6\",\"quantity\":1}}");

        /// <summary>A gap as C2 documents it (docs/protocol.md §8.3): the stream named in "channel", strategy_id null, "from" as a string.</summary>
        public void SendGap(string stream, string from) =>
            Push("{\"msg_type\":\"gap\",\"id\":\"" + NextId() + "\",\"timestamp\":\"" + Iso(_clock.GetUtcNow()) +
                 "\",\"v\":4,\"payload\":{\"strategy_id\":null,\"channel\":\"" + stream + "\",\"from\":\"" + from + "\",\"message\":\"Replay limit of 1000 messages exceeded\"}}");

        /// <summary>The server closes: frames already pushed are read first, then the receive returns null.</summary>
        public void Close(WebSocketCloseStatus status, string? description = null)
        {
            CloseStatus = status;
            CloseDescription = description;
            _toClient.Writer.TryComplete();
        }

        /// <summary>The connection breaks: the client's receive fails at once.</summary>
        public void Drop() => _broken.TrySetResult(new IOException("The test server dropped the connection."));

        /// <summary>The next message the client sent, waiting for it.</summary>
        public async Task<ClientMessage> NextClientMessageAsync(TimeSpan? timeout = null, CancellationToken cancel = default)
        {
            var limit = timeout ?? Units.Wait;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(limit);
            try { return await _fromClient.Reader.ReadAsync(cts.Token); }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { throw new TimeoutException("The client sent nothing within " + limit + "."); }
        }

        /// <summary>A message the client already sent, without waiting.</summary>
        public bool TryTakeClientMessage(out ClientMessage? message)
        {
            var ok = _fromClient.Reader.TryRead(out var m);
            message = m;
            return ok;
        }

        private string NextId() => "msg_srv" + Interlocked.Increment(ref _messageCounter).ToString("x", CultureInfo.InvariantCulture);

        public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        // ----- the session's side (IC2Connection) ------------------------------------------------------

        public WebSocketCloseStatus? CloseStatus { get; private set; }
        public string? CloseDescription { get; private set; }
        public bool ReadsBlock => false;
        public void OnBeforeWait(Action callback) { }

        public async ValueTask<ReceivedMessage?> ReceiveAsync(CancellationToken cancel)
        {
            _reading.TrySetResult(true);
            while (true)
            {
                if (_broken.Task.IsCompleted) throw _broken.Task.Result;
                if (_toClient.Reader.TryRead(out var data)) return new ReceivedMessage(data, false);
                var more = _toClient.Reader.WaitToReadAsync(cancel).AsTask();
                if (await Task.WhenAny(more, _broken.Task).ConfigureAwait(false) == _broken.Task) throw _broken.Task.Result;
                if (!await more.ConfigureAwait(false)) return null; // closed by the server and nothing left to read
            }
        }

        public void Send(byte[] utf8)
        {
            if (ThrowOnSend?.Invoke(Encoding.UTF8.GetString(utf8)) == true) throw new InvalidOperationException("the test made this send throw");
            if (_broken.Task.IsCompleted || _clientClosed.Task.IsCompleted) return; // a real socket would drop it too
            _fromClient.Writer.TryWrite(new ClientMessage(utf8));
        }

        public Task CloseAsync(TimeSpan timeout)
        {
            if (!CloseStatus.HasValue) { CloseStatus = WebSocketCloseStatus.NormalClosure; _clientClosed.TrySetResult(true); }
            _toClient.Writer.TryComplete();
            return Task.CompletedTask;
        }

        public void Abort()
        {
            _broken.TrySetResult(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection was aborted."));
            _aborted.TrySetResult(true);
        }

        public void Dispose() => _broken.TrySetResult(new ObjectDisposedException(nameof(ServerConnection)));
    }
}
