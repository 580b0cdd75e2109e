using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A position the checkpoint may move to although nothing was written (messages skipped as older than a watch).</summary>
    internal sealed class PositionMarker
    {
        public PositionMarker(StreamKey key, long epoch, long seq, DateTimeOffset? at) { Key = key; Epoch = epoch; Seq = seq; At = at; }
        public StreamKey Key { get; }
        public long Epoch { get; set; }
        public long Seq { get; set; }
        public DateTimeOffset? At { get; set; }
    }
}
