namespace C2WebSocket
{
    /// <summary>The timer input of an Add-C2Subscription that waits too long for its acknowledgement.</summary>
    internal sealed class WaiterTimeoutArg
    {
        public WaiterTimeoutArg(StreamEntry entry, SubscribeWaiter waiter) { Entry = entry; Waiter = waiter; }
        public StreamEntry Entry { get; }
        public SubscribeWaiter Waiter { get; }
    }
}
