using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>An Add-C2Subscription waiting for the acknowledgement.</summary>
    internal sealed class SubscribeWaiter
    {
        public SubscribeWaiter(TaskCompletionSource<C2Subscription> done, TimeSpan timeout) { Done = done; Timeout = timeout; }
        public TaskCompletionSource<C2Subscription> Done { get; }
        public TimeSpan Timeout { get; }
        public ITimer? Timer { get; set; }
    }
}
