using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>A session on a fake clock and an in-memory server, and what it reported.</summary>
    internal sealed class Harness : IAsyncDisposable
    {
        private readonly List<C2Diagnostic> _diagnostics = new List<C2Diagnostic>();
        private readonly List<C2SessionState> _states = new List<C2SessionState>();

        static Harness()
        {
            // The xunit VSTest adapter keeps two thread-pool workers blocked for the whole run (RunTestsInAssembly and
            // its execution sink wait synchronously). On a 2-core machine that is the pool's minimum, so every pump,
            // loop and test continuation waited ~0.5-1 s for the pool to inject threads (seen in a dump). Let it grow at once.
            ThreadPool.GetMinThreads(out var workers, out var io);
            if (workers < 8) ThreadPool.SetMinThreads(8, io);
        }

        private Harness(Action<C2SessionOptions>? configure)
        {
            Clock = new TestClock();
            Server = new InMemoryServer(Clock);
            Options = new C2SessionOptions
            {
                Uri = Server.Uri,
                // A key of its own: the process-wide connection budget is counted per key.
                ApiKey = Sim.Secure("units-" + Guid.NewGuid().ToString("N")),
                TimeProvider = Clock,
                Transport = Server,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                RequestTimeout = TimeSpan.FromSeconds(10),
                ReconnectInterval = TimeSpan.FromSeconds(1),
                MaxReconnectInterval = TimeSpan.FromSeconds(60),
                ThrottledReconnectInterval = TimeSpan.FromSeconds(15),
                JitterSeed = 7,
            };
            configure?.Invoke(Options);
            Session = new C2Session(Options);
            Session.StateChanged += (_, e) => { lock (_states) _states.Add(e.State); };
        }

        public TestClock Clock { get; }
        public InMemoryServer Server { get; }
        public C2SessionOptions Options { get; }
        public C2Session Session { get; }
        /// <summary>The connection accepted last.</summary>
        public ServerConnection Conn => Server.Current ?? throw new InvalidOperationException("No connection was accepted yet.");

        public IReadOnlyList<C2SessionState> States { get { lock (_states) return _states.ToArray(); } }

        /// <summary>A session not opened yet.</summary>
        public static Harness Create(Action<C2SessionOptions>? configure = null) => new Harness(configure);

        /// <summary>A session opened on a connection that sent connection.connected.</summary>
        public static async Task<Harness> OpenAsync(Action<C2SessionOptions>? configure = null)
        {
            var h = new Harness(configure);
            await h.Session.OpenAsync(CancellationToken.None).WaitAsync(Units.Wait);
            return h;
        }

        /// <summary>Everything the session recorded so far (drained and kept).</summary>
        public IReadOnlyList<C2Diagnostic> Diagnostics
        {
            get
            {
                lock (_diagnostics)
                {
                    _diagnostics.AddRange(Session.DrainDiagnostics());
                    return _diagnostics.ToArray();
                }
            }
        }

        public Task UntilAsync(Func<bool> condition, string what) => Sim.UntilAsync(Session, condition, what, Units.Wait);

        /// <summary>
        /// Waits until the loop has handled every input posted before this call: it posts a no-op command (an
        /// unsubscribe of a stream the session never had) and waits for its reply; the loop handles inputs in order.
        /// </summary>
        public async Task SettleAsync()
        {
            var nobody = new C2Subscription(Session, new StreamKey(Channels.Positions, long.MaxValue));
            try { await Session.UnsubscribeAsync(nobody, TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Units.Wait); }
            catch (ObjectDisposedException) { /* the loop has stopped: nothing is pending */ }
        }

        /// <summary>
        /// The next message the client sent on <paramref name="conn"/> (default: the current connection), once the loop
        /// has finished the step that sent it: a timer it arms after sending (a request timeout) exists then, so the
        /// test can move the clock past it.
        /// </summary>
        public async Task<ClientMessage> SentAsync(ServerConnection? conn = null)
        {
            var message = await (conn ?? Conn).NextClientMessageAsync();
            await SettleAsync();
            return message;
        }

        /// <summary>Waits for the next timer the session creates after <paramref name="seen"/> timers.</summary>
        public async Task<TimerRecord> TimerAfterAsync(int seen, string what)
        {
            await UntilAsync(() => Clock.TimerCount > seen, what);
            return Clock.Timers[seen];
        }

        /// <summary>Subscribes (from <paramref name="resumeFrom"/> when given) and lets the server acknowledge it (echoing request_id).</summary>
        public async Task<C2Subscription> SubscribeAckedAsync(long strategyId, string channel = Channels.Signal, long? resumeFrom = null)
        {
            var task = Session.SubscribeAsync(channel, strategyId, resumeFrom, Timeout.InfiniteTimeSpan, CancellationToken.None);
            var request = await Conn.NextClientMessageAsync();
            Assert.Equal("subscription.request", request.Type);
            Assert.Equal("subscribe", request.Action);
            Assert.Equal(strategyId, request.StrategyId);
            Conn.SendAck(request);
            var sub = await task.WaitAsync(Units.Wait);
            Assert.Equal(C2SubscriptionState.Active, sub.State);
            return sub;
        }

        /// <summary>Has the server send <paramref name="count"/> messages, then waits until the loop has handled them all.</summary>
        public async Task ServerSendsAsync(int count, Action send)
        {
            var before = Session.MessagesReceived;
            send();
            await UntilAsync(() => Session.MessagesReceived >= before + count, "the loop receives the server's messages");
            await SettleAsync(); // and has finished with the last one
        }

        /// <summary>Drops the connection and moves the clock to the reconnect the session schedules; returns the new connection.</summary>
        public async Task<ServerConnection> DropAndReconnectAsync()
        {
            var old = Conn;
            var connects = Server.Connects;
            var seen = Clock.TimerCount;
            old.Drop();
            var reconnect = await TimerAfterAsync(seen, "the session schedules a reconnect");
            Clock.StepTo(reconnect.FiresAt);
            await Server.WaitForConnectsAsync(connects + 1);
            var fresh = Conn;
            Assert.NotSame(old, fresh);
            return fresh;
        }

        public int CountDiagnostics(C2DiagnosticCode code, C2DiagnosticLevel? level = null) =>
            Diagnostics.Count(d => d.Code == code && (level == null || d.Level == level));

        public async ValueTask DisposeAsync()
        {
            try { await Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait); }
            catch (Exception) { /* the test already failed or closed it */ }
        }
    }
}
