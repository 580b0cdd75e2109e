using System;
using System.Text;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>Where a data message named its strategy (docs/protocol.md §13.2: the docs do not say).</summary>
    internal enum StrategySource
    {
        None,
        /// <summary>A payload field named strategy_id / StrategyId / strategyId (any letter case).</summary>
        Payload,
        /// <summary>An envelope field of the same names.</summary>
        Envelope,
        /// <summary>An envelope stream name such as <c>"channel": "strategy.signal:12345678"</c>.</summary>
        StreamName,
    }
}
