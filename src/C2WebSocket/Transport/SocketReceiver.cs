using System;
using System.Net.WebSockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace C2WebSocket.Transport
{
    /// <summary>
    /// One socket read. netstandard2.0 only declares <c>ReceiveAsync(ArraySegment&lt;byte&gt;)</c>, which on .NET Core
    /// allocates a Task and a WebSocketReceiveResult per read; .NET Core's <c>ReceiveAsync(Memory&lt;byte&gt;)</c> returns
    /// a ValueTask of a struct and allocates nothing when data is already buffered (every frame of a burst). It is bound
    /// once per process by reflection where it exists (PowerShell 7); Windows PowerShell 5.1 keeps the ArraySegment read.
    /// </summary>
    internal abstract class SocketReceiver
    {
        public static readonly SocketReceiver Instance = Create();

        public abstract ValueTask<ReceiveResult> ReceiveAsync(WebSocket ws, byte[] buffer, int offset, int count, CancellationToken cancel);

        private static SocketReceiver Create()
        {
            try
            {
                var method = typeof(WebSocket).GetMethod("ReceiveAsync", BindingFlags.Public | BindingFlags.Instance, null, new[] { typeof(Memory<byte>), typeof(CancellationToken) }, null);
                var returnType = method?.ReturnType;
                if (returnType != null && returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
                {
                    var resultType = returnType.GetGenericArguments()[0];
                    var receiver = (SocketReceiver)Activator.CreateInstance(typeof(MemoryReceiver<>).MakeGenericType(resultType), method!)!;
                    return receiver;
                }
            }
            catch (Exception)
            {
                // Any surprise in the binding: the ArraySegment read always works.
            }
            return new SegmentReceiver();
        }

        private sealed class SegmentReceiver : SocketReceiver
        {
            public override async ValueTask<ReceiveResult> ReceiveAsync(WebSocket ws, byte[] buffer, int offset, int count, CancellationToken cancel)
            {
                var r = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, offset, count), cancel).ConfigureAwait(false);
                return new ReceiveResult(r.Count, r.EndOfMessage, r.MessageType);
            }
        }

        /// <summary>T is ValueWebSocketReceiveResult, bound at run time (the type is not in netstandard2.0).</summary>
        private sealed class MemoryReceiver<T> : SocketReceiver where T : struct
        {
            private delegate ValueTask<T> Receive(WebSocket ws, Memory<byte> buffer, CancellationToken cancel);
            private delegate int IntGetter(ref T value);
            private delegate bool BoolGetter(ref T value);
            private delegate WebSocketMessageType TypeGetter(ref T value);

            private readonly Receive _receive;
            private readonly IntGetter _count;
            private readonly BoolGetter _end;
            private readonly TypeGetter _type;

            public MemoryReceiver(MethodInfo method)
            {
                _receive = (Receive)Delegate.CreateDelegate(typeof(Receive), null, method);
                _count = (IntGetter)Delegate.CreateDelegate(typeof(IntGetter), null, typeof(T).GetProperty("Count")!.GetGetMethod()!);
                _end = (BoolGetter)Delegate.CreateDelegate(typeof(BoolGetter), null, typeof(T).GetProperty("EndOfMessage")!.GetGetMethod()!);
                _type = (TypeGetter)Delegate.CreateDelegate(typeof(TypeGetter), null, typeof(T).GetProperty("MessageType")!.GetGetMethod()!);
            }

            public override ValueTask<ReceiveResult> ReceiveAsync(WebSocket ws, byte[] buffer, int offset, int count, CancellationToken cancel)
            {
                var pending = _receive(ws, new Memory<byte>(buffer, offset, count), cancel);
                if (pending.IsCompletedSuccessfully)
                {
                    var r = pending.Result;
                    return new ValueTask<ReceiveResult>(Convert(ref r));
                }
                return AwaitAsync(pending);
            }

            private async ValueTask<ReceiveResult> AwaitAsync(ValueTask<T> pending)
            {
                var r = await pending.ConfigureAwait(false);
                return Convert(ref r);
            }

            private ReceiveResult Convert(ref T r) => new ReceiveResult(_count(ref r), _end(ref r), _type(ref r));
        }
    }
}
