using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using C2WebSocket.Simulator;

namespace C2WebSocket.Tests
{
    /// <summary>Simulators with shrunken timings and sessions opened against them (reading a session: tests/shared/SessionReading.cs).</summary>
    internal static partial class Sim
    {
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
    }
}
