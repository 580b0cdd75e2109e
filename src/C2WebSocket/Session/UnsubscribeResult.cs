using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    internal sealed class UnsubscribeResult
    {
        public int Dropped { get; set; }
        public bool Answered { get; set; }
    }
}
