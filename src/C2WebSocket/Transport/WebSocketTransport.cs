using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// Owns one open ClientWebSocket: message reassembly with a size cap, and a single sender that drains a queue
    /// (ClientWebSocket allows one outstanding send; the session never waits on it). Opened by
    /// <see cref="WebSocketTransportFactory"/>, over a <see cref="BlockingSocketStream"/> where the runtime allows.
    /// </summary>
    internal sealed class WebSocketTransport : IC2Connection
    {
        private readonly ClientWebSocket _ws;
        // Messages to send, in order. Whoever finds no send in progress sends them itself (see Send).
        private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _outbox = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        private int _sending;
        // Set by CloseAsync/Dispose: no new messages; what is already queued is still sent (before the close frame).
        private volatile bool _outboxClosed;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly int _maxMessageBytes;
        private readonly TimeProvider _time;
        // Never larger than the cap: a message that does not fit is refused, whatever the cap (even below 16 KB).
        private byte[] _buffer;

        public Uri Uri { get; }
        public WebSocketState State => _ws.State;
        public WebSocketCloseStatus? CloseStatus => _ws.CloseStatus;
        public string? CloseDescription => _ws.CloseStatusDescription;

        // The socket under the WebSocket when reads block the pump's thread (PowerShell 7); null on the thread pool's.
        private readonly BlockingSocketStream? _socketStream;

        internal WebSocketTransport(ClientWebSocket ws, Uri uri, int maxMessageBytes, TimeProvider time, BlockingSocketStream? socketStream = null)
        {
            _ws = ws;
            _socketStream = socketStream;
            Uri = uri;
            _maxMessageBytes = maxMessageBytes;
            _time = time;
            _buffer = new byte[Math.Max(1, Math.Min(16 * 1024, maxMessageBytes))];
        }

        public bool ReadsBlock => _socketStream != null;

        public void OnBeforeWait(Action callback) => _socketStream?.OnBeforeWait(callback);

        /// <summary>The receive buffer's size now (tests: it never grows past the cap).</summary>
        internal int BufferLength => _buffer.Length;

        /// <summary>
        /// Reads one whole message into an array of its exact length. Returns null when the server closed the
        /// connection. Throws <see cref="MessageTooLargeException"/> as soon as a message passes the cap, without
        /// buffering the rest.
        /// </summary>
        public ValueTask<ReceivedMessage?> ReceiveAsync(CancellationToken cancel)
        {
            // Frames of a burst are already buffered by the socket: read them without an await (no state machine,
            // no Task); only a read that must wait for the network continues asynchronously.
            var length = 0;
            while (true)
            {
                var pending = ReadMore(length, cancel);
                if (!pending.IsCompletedSuccessfully) return ReceiveSlowAsync(pending, length, cancel);
                if (Completes(pending.Result, ref length, out var message)) return new ValueTask<ReceivedMessage?>(message);
            }
        }

        private async ValueTask<ReceivedMessage?> ReceiveSlowAsync(ValueTask<ReceiveResult> pending, int length, CancellationToken cancel)
        {
            while (true)
            {
                var result = await pending.ConfigureAwait(false);
                if (Completes(result, ref length, out var message)) return message;
                pending = ReadMore(length, cancel);
            }
        }

        private ValueTask<ReceiveResult> ReadMore(int length, CancellationToken cancel)
        {
            if (length == _buffer.Length)
            {
                if (_buffer.Length >= _maxMessageBytes)
                    throw new MessageTooLargeException(_maxMessageBytes);
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxMessageBytes));
            }
            return SocketReceiver.Instance.ReceiveAsync(_ws, _buffer, length, _buffer.Length - length, cancel);
        }

        /// <summary>True when the read ended the message (<paramref name="message"/>) or the connection (null).</summary>
        private bool Completes(in ReceiveResult result, ref int length, out ReceivedMessage? message)
        {
            message = null;
            if (result.Type == WebSocketMessageType.Close) return true;
            length += result.Count;
            if (!result.EndOfMessage) return false;
            // The one copy a message costs: the session keeps these bytes as the message (RawJson, payload).
            var data = new byte[length];
            Buffer.BlockCopy(_buffer, 0, data, 0, length);
            message = new ReceivedMessage(data, result.Type == WebSocketMessageType.Binary);
            return true;
        }

        /// <summary>
        /// Queues a message and, when no send is in progress, sends it on the calling thread: a send that the socket
        /// takes at once (the usual case) costs no thread hop (the loop's heartbeat acks and subscribe requests go out
        /// before the next frame is read). A send the socket cannot take at once continues on the thread pool, which
        /// then sends whatever was queued meanwhile, in order; the caller never waits. Over a blocking socket (PowerShell 7)
        /// the kernel's send buffer takes a message at once; only a peer that stopped reading for its whole size would make
        /// a send wait, and the watchdog or a close then disposes the socket, which ends it.
        /// </summary>
        public void Send(byte[] utf8)
        {
            if (_outboxClosed) return;
            _outbox.Enqueue(utf8);
            if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _ = DrainOutboxAsync();
        }

        private async Task DrainOutboxAsync()
        {
            try
            {
                while (true)
                {
                    while (_outbox.TryDequeue(out var bytes))
                        await _ws.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, _stop.Token).ConfigureAwait(false);
                    Volatile.Write(ref _sending, 0);
                    // A message queued after the last TryDequeue but before the flag was cleared would be stranded: look again.
                    if (_outbox.IsEmpty || Interlocked.CompareExchange(ref _sending, 1, 0) != 0) return;
                }
            }
            catch (Exception)
            {
                // A socket that cannot send is dead: end it, so the receive pump reports the loss and the session reconnects.
                Abort();
            }
        }

        /// <summary>Normal closure (1000), bounded in time; falls back to abort.</summary>
        public async Task CloseAsync(TimeSpan timeout)
        {
            _outboxClosed = true;
            try
            {
                if (_ws.State == WebSocketState.Open || _ws.State == WebSocketState.CloseReceived)
                {
                    using (var cts = _time.CreateCancellationTokenSource(timeout))
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                Abort();
            }
        }

        public void Abort()
        {
            try { _ws.Abort(); } catch (Exception) { /* already gone */ }
        }

        public void Dispose()
        {
            Abort();
            _outboxClosed = true;
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
            _ws.Dispose();
        }
    }
}
