using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Tests
{
    /// <summary>Simulators with shrunken timings and sessions opened against them.</summary>
    internal static class Sim
    {
        public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

        public static Task<C2Simulator> StartFastAsync(Action<SimulatorOptions>? configure = null)
        {
            var o = new SimulatorOptions
            {
                HeartbeatInterval = TimeSpan.FromMilliseconds(100),
                HeartbeatGrace = TimeSpan.FromSeconds(1),
            };
            configure?.Invoke(o);
            return C2Simulator.StartAsync(o);
        }

        public static SecureString Secure(string s) => C2WebSocket.Commands.SecureText.From(s);

        public static C2SessionOptions Options(C2Simulator sim, Action<C2SessionOptions>? configure = null)
        {
            var o = new C2SessionOptions
            {
                Uri = sim.Uri,
                ApiKey = Secure(sim.DemoApiKey),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                RequestTimeout = TimeSpan.FromSeconds(10),
                HeartbeatTimeout = TimeSpan.FromSeconds(2),
                ReconnectInterval = TimeSpan.FromMilliseconds(20),
                MaxReconnectInterval = TimeSpan.FromMilliseconds(200),
                ThrottledReconnectInterval = TimeSpan.FromMilliseconds(300),
                JitterSeed = 1,
            };
            configure?.Invoke(o);
            return o;
        }

        public static async Task<C2Session> OpenAsync(C2Simulator sim, Action<C2SessionOptions>? configure = null)
        {
            var s = new C2Session(Options(sim, configure));
            await s.OpenAsync(CancellationToken.None);
            return s;
        }

        public static async Task<C2Subscription> SubscribeAsync(C2Session s, long strategyId, string channel = "strategy.signal", long? resumeFrom = null)
            => await s.SubscribeAsync(channel, strategyId, resumeFrom, TimeSpan.FromSeconds(10), CancellationToken.None);

        /// <summary>
        /// Takes the next inbox item without blocking a thread-pool thread (test bodies run on the pool; a
        /// blocked pool thread on a 2-core machine starves the simulator and the client alike).
        /// </summary>
        public static async Task<InboxItem> NextItemAsync(C2Session s, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Wait);
            while (true)
            {
                var item = s.Take(null, TimeSpan.Zero, CancellationToken.None);
                if (item != null) return item;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("No message arrived within " + (timeout ?? Wait) + ".");
                await Task.Delay(2);
            }
        }

        /// <summary>The next data message, marked processed (as Receive-C2Signal does after WriteObject).</summary>
        public static async Task<C2StreamMessage> NextAsync(C2Session s, TimeSpan? timeout = null)
        {
            var item = await NextItemAsync(s, timeout);
            if (item.Message == null) throw new Xunit.Sdk.XunitException("Expected a message, got a notice: " + item.Gap);
            s.MarkProcessed(item.Message);
            return item.Message;
        }

        /// <summary>Waits for a condition signalled by background work, polling briefly.</summary>
        public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Wait);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for: " + what);
                await Task.Delay(10);
            }
        }
    }
}
