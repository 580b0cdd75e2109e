using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The receive pump (issue 26): a message it had to wait for goes to the loop alone (handled on the pump's thread
    /// when the loop is idle); the messages of a burst, which the socket had buffered, go in order in batches of at most
    /// <see cref="ReceivePump.BatchSize"/>: a full one to the thread pool while the pump reads on, the rest before the
    /// pump waits for the network (the pump may handle it: it has nothing else to do), and before the connection's end
    /// however it ends. A message read is never held back behind the next one, nor lost at the end.
    /// </summary>
    public class ReceivePumpTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

        [Theory]
        [InlineData(false)]
        [InlineData(true)] // PowerShell 7's connection: a read that must wait blocks the pump's thread and says so first
        public async Task BufferedMessagesGoInOrderInBatchesAndTheLastBatchBeforeThePumpWaitsForTheNetwork(bool readsBlock)
        {
            var conn = new ScriptedConnection(readsBlock);
            for (var i = 0; i < 70; i++) conn.Buffered(i);
            var next = conn.Pending();
            var log = new Recorder();
            var pump = log.Run(conn);

            // Everything buffered was posted, then readers were woken, before the pump waits for the 71st message. The
            // full batches go to the thread pool (the pump had more to read); the last one the pump may handle itself.
            await log.WaitForAsync(l => l.Contains("wake"));
            Assert.Equal(new[] { "batch 0-31", "batch 32-63", "batch 64-69", "wake" }, log.Events());
            Assert.Equal(new[] { false, false, true }, log.Posts().Select(p => p.HandleHere));

            // A message the pump waited for goes alone, flagged so (handled on the pump's thread when the loop is idle).
            next.SetResult(new ReceivedMessage(Message(70), false));
            await log.WaitForAsync(l => l.Contains("message 70"));
            Assert.True(log.Posts().Last().HandleHere);

            conn.CloseFromServer();
            await pump.WaitAsync(Limit);
            Assert.Equal(new[] { "batch 0-31", "batch 32-63", "batch 64-69", "wake", "message 70", "wake", "wake", "ended" }, log.Events());
            Assert.Equal(Enumerable.Range(0, 71), log.Seqs());
            if (!readsBlock) return;
            // Every post came from one thread of the pump's own, never from the thread pool.
            Assert.Single(log.Threads().Distinct());
            Assert.DoesNotContain(true, log.PoolThreads());
        }

        [Fact]
        public async Task ABlockingReadWhoseSessionEndedStopsThePumpWithoutPostingItsEnd()
        {
            var conn = new ScriptedConnection(blocking: true);
            conn.Buffered(0);
            conn.Pending(); // never answered: the pump must not be left blocked in it
            var log = new Recorder { Accept = false };

            await log.Run(conn).WaitAsync(Limit);

            Assert.Equal(new[] { "batch 0-0", "wake" }, log.Events()); // refused, readers woken, and no end posted
        }

        [Fact]
        public async Task MessagesReadBeforeTheConnectionFailsReachTheLoopBeforeItsEnd()
        {
            var conn = new ScriptedConnection();
            for (var i = 0; i < 5; i++) conn.Buffered(i);
            conn.Fails(new IOException("connection reset by peer"));
            var log = new Recorder();

            await log.Run(conn).WaitAsync(Limit);

            Assert.Equal(new[] { "wake", "batch 0-4", "wake", "ended" }, log.Events()); // readers woken for them before the end
            Assert.Contains("connection reset by peer", log.EndReason);
            Assert.True(conn.Aborted);
        }

        [Fact]
        public async Task APumpWhoseSessionEndedStopsWithoutPostingItsEnd()
        {
            var conn = new ScriptedConnection();
            for (var i = 0; i < ReceivePump.BatchSize + 3; i++) conn.Buffered(i);
            conn.Pending();
            var log = new Recorder { Accept = false }; // the route is closed: the first batch is refused

            await log.Run(conn).WaitAsync(Limit);

            Assert.Equal(new[] { "batch 0-31", "wake" }, log.Events());
        }

        private static byte[] Message(int seq) => Encoding.UTF8.GetBytes("{\"seq_id\":" + seq + "}");

        private static int SeqOf(byte[] data) => int.Parse(Encoding.UTF8.GetString(data).Split(':')[1].TrimEnd('}'));

        /// <summary>What the pump posted and when it woke readers, in order.</summary>
        private sealed class Recorder
        {
            private readonly ConcurrentQueue<string> _events = new ConcurrentQueue<string>();
            private readonly List<(Input Input, bool HandleHere)> _posts = new List<(Input, bool)>();
            private readonly SemaphoreSlim _changed = new SemaphoreSlim(0);
            public bool Accept { get; set; } = true;
            public string EndReason { get; private set; } = "";

            public Task Run(IC2Connection conn) => Task.Run(() => ReceivePump.RunAsync(new Link(0, false), 1, conn, Post, Ended, () => Add("wake")));

            private readonly ConcurrentQueue<(int Id, bool Pool)> _threads = new ConcurrentQueue<(int, bool)>();

            public int[] Threads() => _threads.Select(t => t.Id).ToArray();

            public bool[] PoolThreads() => _threads.Select(t => t.Pool).ToArray();

            private ValueTask<bool> Post(Input input, bool handleHere)
            {
                _threads.Enqueue((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
                lock (_posts) _posts.Add((input, handleHere));
                Assert.Equal(1, input.Gen);
                if (input.Kind == InputKind.Messages)
                {
                    var seqs = ((ReceivedMessage[])input.Arg!).Select(m => SeqOf(m.Data)).ToArray();
                    Assert.InRange(seqs.Length, 1, ReceivePump.BatchSize);
                    Add("batch " + seqs.First() + "-" + seqs.Last());
                }
                else Add("message " + SeqOf(input.Data!));
                return new ValueTask<bool>(Accept);
            }

            private void Ended(Input input)
            {
                Assert.Equal(InputKind.Ended, input.Kind);
                EndReason = ((ConnectionEnd)input.Arg!).Reason;
                Add("ended");
            }

            private void Add(string e) { _events.Enqueue(e); _changed.Release(); }

            public string[] Events() => _events.ToArray();

            public (Input Input, bool HandleHere)[] Posts() { lock (_posts) return _posts.ToArray(); }

            public int[] Seqs() => Posts().SelectMany(p => p.Input.Kind == InputKind.Messages
                ? ((ReceivedMessage[])p.Input.Arg!).Select(m => SeqOf(m.Data))
                : new[] { SeqOf(p.Input.Data!) }).ToArray();

            public async Task WaitForAsync(Func<string[], bool> done)
            {
                using var cts = new CancellationTokenSource(Limit);
                while (!done(Events())) await _changed.WaitAsync(cts.Token);
            }
        }

        /// <summary>A connection whose receives are scripted: completed at once (buffered), pending until the test says, or
        /// failing. A blocking one (PowerShell 7's) calls the pump back and blocks the reading thread instead of pending.</summary>
        private sealed class ScriptedConnection : IC2Connection
        {
            private readonly bool _blocking;
            private Action? _beforeWait;

            public ScriptedConnection(bool blocking = false) { _blocking = blocking; }

            public bool ReadsBlock => _blocking;

            public void OnBeforeWait(Action callback) => _beforeWait = callback;

            private ValueTask<ReceivedMessage?> Read(Func<ValueTask<ReceivedMessage?>> next)
            {
                var pending = next();
                if (!_blocking || pending.IsCompleted) return pending;
                _beforeWait!();
                return new ValueTask<ReceivedMessage?>(pending.AsTask().GetAwaiter().GetResult());
            }

            private readonly ConcurrentQueue<Func<ValueTask<ReceivedMessage?>>> _script = new ConcurrentQueue<Func<ValueTask<ReceivedMessage?>>>();
            private readonly TaskCompletionSource<ReceivedMessage?> _closed = new TaskCompletionSource<ReceivedMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
            public bool Aborted { get; private set; }

            public void Buffered(int seq) => _script.Enqueue(() => new ValueTask<ReceivedMessage?>(new ReceivedMessage(Message(seq), false)));

            public TaskCompletionSource<ReceivedMessage?> Pending()
            {
                var tcs = new TaskCompletionSource<ReceivedMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _script.Enqueue(() => new ValueTask<ReceivedMessage?>(tcs.Task));
                return tcs;
            }

            public void Fails(Exception ex) => _script.Enqueue(() => new ValueTask<ReceivedMessage?>(Task.FromException<ReceivedMessage?>(ex)));

            public void CloseFromServer() { CloseStatus = WebSocketCloseStatus.NormalClosure; _closed.TrySetResult(null); }

            public ValueTask<ReceivedMessage?> ReceiveAsync(CancellationToken cancel) =>
                Read(_script.TryDequeue(out var next) ? next : () => new ValueTask<ReceivedMessage?>(_closed.Task));

            public void Send(byte[] utf8) { }
            public WebSocketCloseStatus? CloseStatus { get; private set; }
            public string? CloseDescription => null;
            public Task CloseAsync(TimeSpan timeout) => Task.CompletedTask;
            public void Abort() => Aborted = true;
            public void Dispose() { }
        }
    }
}
