using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace C2WebSocket.Benchmarks;

internal static class ColdStartCase { public static Task<List<Row>> RunAsync(Config cfg) => throw new NotImplementedException(); }
internal static class LatencyCase { public static Task<List<Row>> RunAsync(Config cfg) => throw new NotImplementedException(); }
internal static class HeartbeatCase { public static Task<List<Row>> RunAsync(Config cfg) => throw new NotImplementedException(); }
internal static class ReplayCase { public static Task<List<Row>> RunAsync(Config cfg) => throw new NotImplementedException(); }
internal static class IdleCase
{
    public static Task<List<Row>> RunAsync(Config cfg) => throw new NotImplementedException();
    public static Task<int> ServeSimAsync(string[] args) => throw new NotImplementedException();
}
