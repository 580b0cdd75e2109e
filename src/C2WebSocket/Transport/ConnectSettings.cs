using System;
using System.Net;
using System.Security;

namespace C2WebSocket.Transport
{
    /// <summary>What a connection attempt needs. Holds the key only as a SecureString.</summary>
    internal sealed class ConnectSettings
    {
        public Uri Uri { get; set; } = null!;
        public SecureString ApiKey { get; set; } = null!;
        public IWebProxy? Proxy { get; set; }
        public bool UseDefaultProxy { get; set; } = true;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
        public int MaxMessageBytes { get; set; } = 1024 * 1024;
        /// <summary>The session's clock: the connect time limit and a Retry-After date are measured on it.</summary>
        public TimeProvider Time { get; set; } = TimeProvider.System;
    }
}
