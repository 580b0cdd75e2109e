using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>The exception inside a delivery-gap ErrorRecord.</summary>
    public sealed class C2DeliveryException : Exception
    {
        internal C2DeliveryException(string message, C2DeliveryGap gap) : base(message) { Gap = gap; }
        public C2DeliveryGap Gap { get; }
    }
}
