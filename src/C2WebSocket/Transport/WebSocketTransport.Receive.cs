using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>The receive side of <see cref="WebSocketTransport"/>: message reassembly with the size cap.</summary>
    internal sealed partial class WebSocketTransport
    {
        /// <summary>
        /// Reads one whole message into an array of its exact length. Returns null when the server closed the
        /// connection. Throws <see cref="MessageTooLargeException"/> as soon as a message passes the cap, without
        /// buffering the rest.
        /// </summary>
        public ValueTask<Frame?> ReceiveAsync(CancellationToken cancel)
        {
            // Frames of a burst are already buffered by the socket: read them without an await (no state machine,
            // no Task); only a read that must wait for the network continues asynchronously.
            var length = 0;
            while (true)
            {
                var pending = ReadMore(length, cancel);
                if (!pending.IsCompletedSuccessfully) return ReceiveSlowAsync(pending, length, cancel);
                if (Completes(pending.Result, ref length, out var frame)) return new ValueTask<Frame?>(frame);
            }
        }

        private async ValueTask<Frame?> ReceiveSlowAsync(ValueTask<ReceiveResult> pending, int length, CancellationToken cancel)
        {
            while (true)
            {
                var result = await pending.ConfigureAwait(false);
                if (Completes(result, ref length, out var frame)) return frame;
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

        /// <summary>True when the read ended the message (<paramref name="frame"/>) or the connection (null).</summary>
        private bool Completes(in ReceiveResult result, ref int length, out Frame? frame)
        {
            frame = null;
            if (result.Type == WebSocketMessageType.Close) return true;
            length += result.Count;
            if (!result.EndOfMessage) return false;
            // The one copy a message costs: the session keeps these bytes as the message (RawJson, payload).
            var data = new byte[length];
            Buffer.BlockCopy(_buffer, 0, data, 0, length);
            frame = new Frame(data, result.Type == WebSocketMessageType.Binary);
            return true;
        }
    }
}
