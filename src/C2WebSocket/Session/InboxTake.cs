using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>One item a reader took, with what it needs to put it back.</summary>
    internal readonly struct InboxTake
    {
        public InboxTake(StreamKey key, object item, long order) { Key = key; Item = item; Order = order; }
        public StreamKey Key { get; }
        /// <summary>A <see cref="C2StreamMessage"/>, a <see cref="C2DeliveryGap"/> or a <see cref="PositionMarker"/>.</summary>
        public object Item { get; }
        public long Order { get; }
    }
}
