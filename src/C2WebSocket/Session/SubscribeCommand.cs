using System;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Add-C2Subscription, posted to the loop; its reply is the subscription once acknowledged.</summary>
    internal sealed class SubscribeCommand
    {
        public SubscribeCommand(StreamKey key, long? resumeFrom, TimeSpan timeout)
        { Key = key; ResumeFrom = resumeFrom; Timeout = timeout; }
        public StreamKey Key { get; }
        public long? ResumeFrom { get; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<C2Subscription> Done { get; } =
            new TaskCompletionSource<C2Subscription>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
