using System;
using System.Threading.Tasks;

namespace C2WebSocket
{
    /// <summary>Remove-C2Subscription, posted to the loop; its reply says whether the server answered and what was dropped.</summary>
    internal sealed class UnsubscribeCommand
    {
        public UnsubscribeCommand(C2Subscription sub, TimeSpan timeout) { Sub = sub; Timeout = timeout; }
        public C2Subscription Sub { get; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<UnsubscribeResult> Done { get; } =
            new TaskCompletionSource<UnsubscribeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
