namespace C2WebSocket
{
    /// <summary>One queued item of an <see cref="Inbox"/> lane and its place in the inbox's order.</summary>
    internal readonly struct InboxSlot
    {
        public InboxSlot(long order, object item) { Order = order; Item = item; }
        public long Order { get; }
        public object Item { get; }
    }
}
