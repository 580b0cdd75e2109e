namespace C2WebSocket.Transport
{
    /// <summary>The step of opening a connection that failed.</summary>
    public enum C2ConnectStep
    {
        Validation,
        Dns,
        Proxy,
        Tcp,
        Tls,
        Upgrade,
        Timeout,
        Handshake,
    }
}
