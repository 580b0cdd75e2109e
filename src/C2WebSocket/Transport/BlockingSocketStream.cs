using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// A connected TCP socket in blocking mode, as the stream under ClientWebSocket (PowerShell 7, see
    /// <see cref="BlockingConnector"/>): a read blocks the calling thread, the receive pump's own, until the network
    /// brings bytes, and returns a completed task. A quiet connection then costs one thread wake per message, not the
    /// socket engine's wake plus a thread-pool work item (the bare ClientWebSocket loop's cost). A write sends on the
    /// calling thread; the kernel takes a small message at once.
    /// </summary>
    internal sealed class BlockingSocketStream : Stream
    {
        private readonly Socket _socket;
        // What the socket gave and the WebSocket has not read yet: one receive per buffer, not two per message (the
        // WebSocket reads each frame's header, then its payload).
        private readonly byte[] _in = new byte[16 * 1024];
        private int _start, _end;
        private readonly Task<int>?[] _reads = new Task<int>?[64]; // completed reads' tasks by length, reused
        private Action? _beforeWait;

        public BlockingSocketStream(Socket socket) { _socket = socket; }

        /// <summary>Called on the reading thread just before a read waits for the network (nothing is buffered).</summary>
        public void OnBeforeWait(Action callback) => _beforeWait = callback;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_start == _end && !Fill(count == 0)) return 0;
            var n = Math.Min(count, _end - _start);
            Buffer.BlockCopy(_in, _start, buffer, offset, n);
            _start += n;
            return n;
        }

        /// <summary>Receives what the socket has into the stream's own buffer, waiting for it if there is nothing. False
        /// at the end of the stream, or after the wait of a zero-byte read (which asks only to wait: SslStream and
        /// HttpConnection issue them).</summary>
        private bool Fill(bool waitOnly)
        {
            try
            {
                if (_socket.Available == 0)
                {
                    _beforeWait?.Invoke();
                    // Wait without a buffer: a receive blocked in the kernel keeps its buffer pinned for the whole wait,
                    // and a young pinned array fragments the heap at every collection meanwhile (measured: +360 bytes per
                    // queued signal in pwsh). Disposing the socket ends the wait (it returns; the receive then throws).
                    _socket.Poll(-1, SelectMode.SelectRead);
                }
                if (waitOnly) return false;
                _start = 0;
                _end = _socket.Receive(_in, 0, _in.Length, SocketFlags.None);
                return _end > 0;
            }
            catch (SocketException ex)
            {
                throw new IOException(ex.Message, ex);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            // Until a pump reads (the upgrade's response), a read that must wait does so on a thread of its own, never on
            // the caller's: that is a thread-pool thread, and a server in the same process (the simulator) needs the
            // pool to answer. A few reads per connection.
            if (_beforeWait == null && _start == _end && _socket.Available == 0)
                return Task.Factory.StartNew(static s => ((ReadArgs)s!).Run(), new ReadArgs(this, buffer, offset, count),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            int n;
            try { n = Read(buffer, offset, count); }
            catch (Exception ex) { return Task.FromException<int>(ex); }
            // The WebSocket reads a frame's header and its payload in turn, a few distinct lengths: their tasks are kept.
            ref var cached = ref _reads[n & (_reads.Length - 1)];
            if (cached == null || cached.Result != n) cached = Task.FromResult(n);
            return cached;
        }

        private sealed class ReadArgs
        {
            private readonly BlockingSocketStream _stream;
            private readonly byte[] _buffer;
            private readonly int _offset, _count;

            public ReadArgs(BlockingSocketStream stream, byte[] buffer, int offset, int count) { _stream = stream; _buffer = buffer; _offset = offset; _count = count; }

            public int Run() => _stream.Read(_buffer, _offset, _count);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            try
            {
                while (count > 0)
                {
                    var sent = _socket.Send(buffer, offset, count, SocketFlags.None);
                    offset += sent;
                    count -= sent;
                }
            }
            catch (SocketException ex)
            {
                throw new IOException(ex.Message, ex);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            try { Write(buffer, offset, count); }
            catch (Exception ex) { return Task.FromException(ex); }
            return Task.CompletedTask;
        }

        public override void Flush() { }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            // Disposing the socket also ends a read or write blocked on another thread (it fails there).
            if (disposing) _socket.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
