using System;
using System.Threading.Tasks;

namespace C2WebSocket
{
    /// <summary>Disconnect-C2Socket, posted to the loop; its reply is the number of queued messages discarded.</summary>
    internal sealed class CloseCommand
    {
        public CloseCommand(TimeSpan timeout) { Timeout = timeout; }
        public TimeSpan Timeout { get; }
        public TaskCompletionSource<int> Done { get; } = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
