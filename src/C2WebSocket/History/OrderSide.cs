using System;
using System.Collections.Generic;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.History
{
    internal enum OrderSide { Buy, Sell }
}
