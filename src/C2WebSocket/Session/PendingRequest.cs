using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>A subscription.request sent and not yet answered.</summary>
    internal sealed class PendingRequest
    {
        public PendingRequest(string id, StreamKey key, string action, Link link, RequestPurpose purpose)
        {
            Id = id; Key = key; Action = action; Link = link; Gen = link.Gen; Purpose = purpose;
        }
        public string Id { get; }
        public StreamKey Key { get; }
        public string Action { get; }
        public Link Link { get; }
        public int Gen { get; }
        public RequestPurpose Purpose { get; }
        public long? ResumeFrom { get; set; }
        public ResumeFromWireType Format { get; set; }
        public bool FormatSwitched { get; set; }
        public int Attempt { get; set; } = 1;
        public ITimer? Timer { get; set; }
        /// <summary>The Remove-C2Subscription waiting for this unsubscribe, if any, and what it dropped from the inbox.</summary>
        public UnsubscribeCommand? Command { get; set; }
        public int Dropped { get; set; }
        public bool IsSubscribe => Action == ClientMessages.Subscribe;
    }
}
