using System;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>
    /// The receive pump of one connection: reads whole messages and posts them to the loop, then posts how the
    /// connection ended. The only code that reads a socket; it touches no session state. Its own thread where reads block
    /// (PowerShell 7: a quiet connection costs one wake of that thread per message, no thread-pool work item), its own
    /// task on the thread pool otherwise (Windows PowerShell 5.1).
    /// <para>
    /// A message the pump had to wait for (quiet traffic) is posted alone, and handled on the pump's thread when the loop
    /// is idle: no thread hop. The messages of a burst, which the socket had already buffered, are gathered into batches
    /// of at most <see cref="BatchSize"/>, in order, and the route is crossed once per batch, not per message. A full
    /// batch, while the socket has more, goes to the thread pool: the pump reads the next messages meanwhile (two cores,
    /// one receiving, one handling). The rest is posted before the pump waits for the network (so a message never waits
    /// for the next one), and handled on the pump's thread when the loop is idle, as the pump has nothing else to do
    /// (a message that came while the pump was handling the previous one costs no thread hop); and before the
    /// connection's end, however it ends.
    /// </para>
    /// </summary>
    internal sealed class ReceivePump
    {
        /// <summary>At most this many buffered messages go to the loop as one input.</summary>
        internal const int BatchSize = 32;

        private readonly Link _link;
        private readonly int _gen;
        private readonly IC2Connection _conn;
        private readonly Func<Input, bool, ValueTask<bool>> _postMessage;
        private readonly Action _wake;
        private readonly Action<Input> _post;
        private ReceivedMessage[] _batch = new ReceivedMessage[BatchSize];
        private int _count; // messages in the batch, not yet posted
        private bool _waited; // the current read waited for the network
        private bool _sessionEnded; // a blocking read's wait found the session ended (BeforeBlockingWait)

        private ReceivePump(Link link, int gen, IC2Connection conn, Func<Input, bool, ValueTask<bool>> postMessage, Action<Input> post, Action wake)
        {
            _link = link; _gen = gen; _conn = conn; _postMessage = postMessage; _post = post; _wake = wake;
        }

        /// <summary>Reads messages and posts them to the loop; the only code that reads the socket. Never throws.</summary>
        /// <param name="postMessage">Posts a message or a batch; its flag says whether the pump may handle it on its own
        /// thread (it has nothing more to read; see <see cref="InputRoute.SubmitWithRoomAsync"/>). Completes false once
        /// the session has ended.</param>
        /// <returns>The pump's task; with a connection whose reads block (<see cref="IC2Connection.ReadsBlock"/>), the
        /// pump runs on a thread of its own and the task completes when it stops.</returns>
        public static Task RunAsync(Link link, int gen, IC2Connection conn, Func<Input, bool, ValueTask<bool>> postMessage, Action<Input> post, Action wake)
        {
            var pump = new ReceivePump(link, gen, conn, postMessage, post, wake);
            if (!conn.ReadsBlock) return pump.RunAsync();
            conn.OnBeforeWait(pump.BeforeBlockingWait);
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(static s =>
            {
                var (p, d) = ((ReceivePump, TaskCompletionSource<bool>))s!;
                // Every await of the pump completes at once on this thread (reads block, posts that wait for room block):
                // the whole pump runs here.
                p.RunAsync().ContinueWith(static (_, o) => ((TaskCompletionSource<bool>)o!).TrySetResult(true), d, TaskScheduler.Default);
            }) { IsBackground = true, Name = "C2WebSocket receive" };
            thread.Start((pump, done));
            return done.Task;
        }

        private async Task RunAsync()
        {
            var end = new ConnectionEnd();
            try
            {
                while (true)
                {
                    _waited = false;
                    var receiving = _conn.ReceiveAsync(CancellationToken.None);
                    if (!receiving.IsCompleted && !await BeforeWaitAsync().ConfigureAwait(false)) return;
                    var received = await receiving.ConfigureAwait(false);
                    if (!(received is ReceivedMessage message))
                    {
                        var status = _conn.CloseStatus;
                        await _conn.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                        end.CloseStatus = status;
                        end.CloseDescription = _conn.CloseDescription;
                        end.Reason = TransportTexts.ServerClosed(status, end.CloseDescription);
                        break;
                    }
                    if (_waited)
                    {
                        if (!await PostAsync(new Input(InputKind.Message, _link, _gen, message.Data, message.IsBinary), true).ConfigureAwait(false))
                            return; // the session ended
                        continue;
                    }
                    _batch[_count++] = message;
                    if (_count == BatchSize && !await PostBatchAsync(false).ConfigureAwait(false)) return; // the socket has more: the pool handles
                }
            }
            catch (Exception) when (_sessionEnded)
            {
                return; // thrown out of a blocking read by BeforeBlockingWait
            }
            catch (MessageTooLargeException ex)
            {
                _conn.Abort();
                end.TooLarge = ex;
                end.Reason = TransportTexts.OverSizeLimit;
            }
            catch (Exception ex)
            {
                _conn.Abort();
                end.Reason = TransportTexts.ConnectionFailed(ConnectFailures.Innermost(ex).Message);
            }
            finally
            {
                _wake(); // however the pump stops, readers get what it queued
            }
            if (_count > 0)
            {
                // Messages read before the end are the loop's before the end is; readers get them if this thread handled them.
                var open = await PostBatchAsync(true).ConfigureAwait(false);
                _wake();
                if (!open) return;
            }
            _post(new Input(InputKind.Ended, _link, _gen, arg: end));
        }

        /// <summary>About to wait for the network: the batch goes first (handled here when the loop is idle: this thread
        /// has nothing else to do), then readers get what this thread queued. False once the session has ended.</summary>
        private async ValueTask<bool> BeforeWaitAsync()
        {
            _waited = true;
            if (!await PostBatchAsync(true).ConfigureAwait(false)) return false;
            _wake();
            return true;
        }

        /// <summary>The same, called by a connection whose read is about to block this thread (inside ReceiveAsync). A
        /// session that has ended stops the read: nothing more is wanted from it.</summary>
        private void BeforeBlockingWait()
        {
            if (Block(BeforeWaitAsync())) return;
            _sessionEnded = true;
            throw new OperationCanceledException();
        }

        private static bool Block(ValueTask<bool> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

        /// <summary>Posts the gathered messages as one input, if there are any: the array itself when full, else a copy
        /// of its filled part (the pump's array is emptied for the next ones). False once the session has ended.</summary>
        /// <param name="handleHere">The pump has nothing more to read: handle the batch on this thread if the loop is idle.</param>
        private ValueTask<bool> PostBatchAsync(bool handleHere)
        {
            if (_count == 0) return new ValueTask<bool>(true);
            ReceivedMessage[] items;
            if (_count == _batch.Length)
            {
                items = _batch;
                _batch = new ReceivedMessage[BatchSize];
            }
            else
            {
                items = new ReceivedMessage[_count];
                Array.Copy(_batch, items, _count);
                Array.Clear(_batch, 0, _count);
            }
            _count = 0;
            return PostAsync(new Input(InputKind.Messages, _link, _gen, arg: items), handleHere);
        }

        private ValueTask<bool> PostAsync(in Input input, bool handleHere)
        {
            var posted = _postMessage(input, handleHere);
            if (posted.IsCompleted) return posted;
            _wake(); // waiting for room
            // A pump whose reads block keeps its own thread: it waits for the room there.
            return _conn.ReadsBlock ? new ValueTask<bool>(Block(posted)) : posted;
        }
    }
}
