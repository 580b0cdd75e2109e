namespace C2WebSocket
{
    /// <summary>One thing the session loop must handle: a frame, a connection event, a timer or a user command.</summary>
    internal readonly struct Input
    {
        public Input(InputKind kind, Link? link = null, int gen = 0, byte[]? data = null, bool binary = false, object? arg = null)
        {
            Kind = kind; Link = link; Gen = gen; Data = data; Binary = binary; Arg = arg;
        }
        public InputKind Kind { get; }
        public Link? Link { get; }
        public int Gen { get; }
        public byte[]? Data { get; }
        public bool Binary { get; }
        public object? Arg { get; }

        /// <summary>What the input counts for in the loop's route (its back-pressure and hand-off): a batch of messages
        /// (<see cref="InputKind.Messages"/>) its messages, anything else 1. Never less than 1.</summary>
        public int Weight => Kind == InputKind.Messages && Arg is Transport.ReceivedMessage[] batch && batch.Length > 1 ? batch.Length : 1;
    }
}
