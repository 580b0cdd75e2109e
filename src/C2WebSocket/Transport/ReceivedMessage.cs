namespace C2WebSocket.Transport
{
    /// <summary>One whole WebSocket message as received: its bytes (an array of their exact length) and whether it was
    /// a binary message.</summary>
    internal readonly struct ReceivedMessage
    {
        public ReceivedMessage(byte[] data, bool binary) { Data = data; IsBinary = binary; }
        public byte[] Data { get; }
        public bool IsBinary { get; }
    }
}
