using System.Globalization;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>The names of the files that live beside a checkpoint file <c>p</c>: <c>p.lock</c> (held for the
    /// milliseconds of a merge-and-replace), and per stream <c>p.strategy.signal-12345678.owner</c> (the ownership lock,
    /// held for a session's life), <c>.holder</c> (who holds it) and <c>.journal</c> (saves not yet compacted).</summary>
    internal static class CheckpointFiles
    {
        public static string MergeLock(string checkpoint) => checkpoint + ".lock";

        public static string ForStream(string checkpoint, StreamKey key, string suffix) =>
            checkpoint + "." + key.Channel + "-" + (key.StrategyId ?? 0).ToString(CultureInfo.InvariantCulture) + suffix;
    }
}
