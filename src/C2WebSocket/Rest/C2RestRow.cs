using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket
{
    /// <summary>
    /// One row of C2's REST API: an order (GetStrategyHistoricalOrders, GetStrategyActiveOrders) or a closed trade
    /// (GetStrategyHistoricalClosedTrades). The row stays as the server sent it; the PowerShell layer exposes every
    /// field by its REST name (<c>$_.SignalId</c>, <c>$_.C2Symbol.FullSymbol</c>), times as DateTimeOffset, the same
    /// rules as signal payloads (C2RestRowAdapter). Fields the docs do not list are passed through the same way.
    /// </summary>
    public sealed class C2RestRow
    {
        private readonly byte[] _utf8;
        private PayloadFields? _fields;

        internal C2RestRow(string endpoint, long? strategyId, byte[] utf8, DateTimeOffset receivedAt)
        {
            Endpoint = endpoint; QueriedStrategyId = strategyId; _utf8 = utf8; ReceivedAt = receivedAt;
        }

        // Internal, so that the row's properties are its REST fields only (PowerShell lists a public CLR property of an
        // adapted type after the adapter's); Endpoint is the hidden member of the same name (C2WebSocket.Types.ps1xml).

        /// <summary>The method the row came from: GetStrategyHistoricalOrders, GetStrategyActiveOrders, GetStrategyHistoricalClosedTrades.</summary>
        internal string Endpoint { get; }
        /// <summary>The strategy the request named.</summary>
        internal long? QueriedStrategyId { get; }
        /// <summary>When this client read the row (local clock, UTC).</summary>
        internal DateTimeOffset ReceivedAt { get; }

        /// <summary>The row exactly as the server sent it (the hidden member <c>RawJson</c> in PowerShell).</summary>
        internal string RawJson => Encoding.UTF8.GetString(_utf8);
        internal byte[] Utf8 => _utf8;

        /// <summary>The row's fields, decoded on first use.</summary>
        internal PayloadFields Fields => _fields ??= PayloadFields.Decode(_utf8, 0, _utf8.Length);

        /// <summary>PowerShell values built from this row (times, nested objects), kept across property reads.</summary>
        internal object?[]? Projections;

        public override string ToString()
        {
            var f = Fields;
            var id = f["SignalId"] ?? f["TradeId"] ?? f["Id"];
            return Endpoint + " " + (id is IFormattable fi ? fi.ToString(null, CultureInfo.InvariantCulture) : id?.ToString() ?? "row");
        }
    }
}
