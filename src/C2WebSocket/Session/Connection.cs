using System;
using System.Globalization;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>How one socket ended, for the supervisor's reconnect decision.</summary>
    internal sealed class ConnectionEnd
    {
        public string Reason { get; set; } = "";
        public WebSocketCloseStatus? CloseStatus { get; set; }
        public string? CloseDescription { get; set; }
        /// <summary>The server asked us to slow down (PolicyViolation close).</summary>
        public bool Throttle { get; set; }
    }

    /// <summary>
    /// One socket and its receive loop. The loop answers heartbeats itself (through the session), so a slow
    /// pipeline never delays an ack; a watchdog aborts the socket when the server goes silent for longer than
    /// the heartbeat timeout.
    /// </summary>
    internal sealed class Connection : IDisposable
    {
        private readonly C2Session _session;
        private readonly WebSocketTransport _transport;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly TaskCompletionSource<bool> _connected = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task<ConnectionEnd>? _loop;

        public Connection(C2Session session, WebSocketTransport transport)
        {
            _session = session;
            _transport = transport;
            StartedAt = DateTimeOffset.UtcNow;
        }

        public DateTimeOffset StartedAt { get; }
        public Task<bool> ConnectedTask => _connected.Task;
        public Task<ConnectionEnd> Completion => _loop ?? throw new InvalidOperationException("not started");

        public void Start() => _loop = Task.Run(ReceiveLoopAsync);

        public void MarkConnected() => _connected.TrySetResult(true);

        public Task SendAsync(byte[] utf8) => _transport.SendAsync(utf8, _stop.Token);

        private async Task<ConnectionEnd> ReceiveLoopAsync()
        {
            var timeout = _session.Options.HeartbeatTimeout;
            using (var watchdog = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                try
                {
                    while (true)
                    {
                        watchdog.CancelAfter(timeout);
                        var received = await _transport.ReceiveAsync(watchdog.Token).ConfigureAwait(false);
                        if (received == null) return await OnCloseAsync().ConfigureAwait(false);
                        var msg = received.Value;
                        await _session.HandleReceivedAsync(this, msg.Buffer, msg.Length, msg.IsBinary).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return new ConnectionEnd { Reason = "closed by the client" };
                }
                catch (OperationCanceledException)
                {
                    _transport.Abort();
                    return new ConnectionEnd
                    {
                        Reason = string.Format(CultureInfo.InvariantCulture, "no message from the server for {0:0.###} s (heartbeats stopped): the connection is presumed dead", timeout.TotalSeconds),
                    };
                }
                catch (MessageTooLargeException ex)
                {
                    _transport.Abort();
                    _session.OnProtocolViolation("C2MessageTooLarge", ex.Message);
                    return new ConnectionEnd { Reason = "message over the size limit" };
                }
                catch (Exception ex)
                {
                    _transport.Abort();
                    if (_stop.IsCancellationRequested) return new ConnectionEnd { Reason = "closed by the client" };
                    return new ConnectionEnd { Reason = "the connection failed: " + Innermost(ex).Message };
                }
                finally
                {
                    _connected.TrySetResult(false);
                }
            }
        }

        private async Task<ConnectionEnd> OnCloseAsync()
        {
            var status = _transport.CloseStatus;
            var description = _transport.CloseStatusDescription;
            // Complete the closing handshake, bounded.
            await _transport.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var end = new ConnectionEnd
            {
                CloseStatus = status,
                CloseDescription = description,
                Throttle = status == WebSocketCloseStatus.PolicyViolation,
                Reason = "the server closed the connection with status " + (status.HasValue ? ((int)status.Value).ToString(CultureInfo.InvariantCulture) + " (" + status.Value + ")" : "(none)") +
                         (string.IsNullOrEmpty(description) ? "" : ": " + description),
            };
            return end;
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        public void Abort() => _transport.Abort();

        internal int ReceiveBufferLength => _transport.BufferLength;

        public async Task CloseAsync(TimeSpan timeout)
        {
            await _transport.CloseAsync(timeout).ConfigureAwait(false);
            _stop.Cancel();
            if (_loop != null)
            {
                try { await Task.WhenAny(_loop, Task.Delay(timeout)).ConfigureAwait(false); } catch (Exception) { }
            }
        }

        public void Dispose()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
            _transport.Dispose();
        }
    }

    internal static class KeyFingerprint
    {
        private static readonly byte[] Salt = Guid.NewGuid().ToByteArray();

        /// <summary>A per-process salted hash, used only to count sessions per key. Never output.</summary>
        public static string Of(System.Security.SecureString key)
        {
            var ptr = IntPtr.Zero;
            var bytes = new byte[key.Length * 2 + Salt.Length];
            try
            {
                ptr = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(key);
                System.Runtime.InteropServices.Marshal.Copy(ptr, bytes, 0, key.Length * 2);
                Buffer.BlockCopy(Salt, 0, bytes, key.Length * 2, Salt.Length);
                using (var sha = System.Security.Cryptography.SHA256.Create())
                    return Convert.ToBase64String(sha.ComputeHash(bytes));
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
                if (ptr != IntPtr.Zero) System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
