using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>
    /// The stream under the WebSocket on PowerShell 7 (issue 26, idle): over a real loopback socket pair, a read calls
    /// the pump back exactly when it is about to wait for the network (never while bytes are buffered, in the socket or
    /// in the stream), a zero-byte read waits without consuming, the bytes come in order, disposing the stream ends a read
    /// that waits, and before a pump reads (the upgrade) a read that must wait does not block its caller.
    /// </summary>
    public class BlockingSocketStreamTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

        [Fact]
        public async Task A_read_calls_back_only_when_it_must_wait_and_bytes_arrive_in_order()
        {
            var (client, server) = Pair();
            using var stream = new BlockingSocketStream(client);
            var waits = 0;
            using var waited = new SemaphoreSlim(0);
            stream.OnBeforeWait(() => { Interlocked.Increment(ref waits); waited.Release(); });
            using (server)
            {
                server.Send(Encoding.ASCII.GetBytes("header+payload one|two|"));
                // One send of 23 bytes on loopback arrives as one segment: readable means all of it is there.
                Assert.True(client.Poll((int)Limit.TotalMilliseconds * 1000, SelectMode.SelectRead));
                Assert.Equal(23, client.Available);

                // Read in the small pieces a WebSocket reads (a header, then its payload): all buffered, no callback.
                Assert.Equal("header", Read(stream, 6));
                Assert.Equal("+payload one|", Read(stream, 13));
                Assert.Equal("two|", Read(stream, 64));
                Assert.Equal(0, waits);

                // Nothing left anywhere: the next read says so first, then waits until the server sends.
                var reading = Task.Run(() => Read(stream, 64));
                Assert.True(await waited.WaitAsync(Limit));
                Assert.False(reading.IsCompleted);
                server.Send(Encoding.ASCII.GetBytes("three"));
                Assert.Equal("three", await reading.WaitAsync(Limit));

                // A zero-byte read waits for data without taking it.
                var zero = Task.Run(() => stream.Read(Array.Empty<byte>(), 0, 0));
                Assert.True(await waited.WaitAsync(Limit));
                Assert.Equal(2, Volatile.Read(ref waits));
                server.Send(Encoding.ASCII.GetBytes("four"));
                Assert.Equal(0, await zero.WaitAsync(Limit));
                Assert.Equal("four", Read(stream, 64));
            }
            // The server closed: the end of the stream.
            Assert.Equal(0, stream.Read(new byte[8], 0, 8));
        }

        [Fact]
        public async Task Before_a_pump_reads_a_read_that_must_wait_leaves_the_callers_thread()
        {
            // The upgrade's response is read by the thread that connects (a thread-pool thread): it must not block there.
            var (client, server) = Pair();
            using var _ = server;
            using var stream = new BlockingSocketStream(client);
            var buffer = new byte[64];
            // The call returns while the read still waits (a read that blocked its caller would time out here).
            var reading = await Task.Factory.StartNew(() => stream.ReadAsync(buffer, 0, buffer.Length), CancellationToken.None,
                TaskCreationOptions.None, TaskScheduler.Default).WaitAsync(Limit);
            Assert.False(reading.IsCompleted);

            server.Send(Encoding.ASCII.GetBytes("HTTP/1.1 101"));
            Assert.Equal("HTTP/1.1 101", Encoding.ASCII.GetString(buffer, 0, await reading.WaitAsync(Limit)));
        }

        [Fact]
        public async Task Disposing_the_stream_ends_a_read_that_waits()
        {
            var (client, server) = Pair();
            using var _ = server;
            var stream = new BlockingSocketStream(client);
            var waiting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            stream.OnBeforeWait(() => waiting.TrySetResult(true));
            var reading = Task.Run(() => stream.Read(new byte[64], 0, 64));
            await waiting.Task.WaitAsync(Limit);

            stream.Dispose();

            var ex = await Record.ExceptionAsync(() => reading.WaitAsync(Limit));
            Assert.True(ex is ObjectDisposedException || ex is IOException, "ended with " + ex);
        }

        private static string Read(Stream stream, int count)
        {
            var buffer = new byte[count];
            return Encoding.ASCII.GetString(buffer, 0, stream.ReadAsync(buffer, 0, count).GetAwaiter().GetResult());
        }

        private static (Socket Client, Socket Server) Pair()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            return (client, listener.Accept());
        }
    }
}
