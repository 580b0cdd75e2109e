using System;
using System.Linq;
using C2WebSocket.History;
using Xunit;
using static C2WebSocket.Tests.GapFillSamples;

namespace C2WebSocket.Tests.Rest
{
    /// <summary>The objects a history row and a stream signal become, as PowerShell sees them (a hosted engine; the pure
    /// pieces of gap fill are tests/unit/Session/GapFillTests.cs).</summary>
    public class HistoryColumnsTests
    {
        [Fact]
        public void Stream_and_history_objects_share_one_set_of_columns_in_PowerShell()
        {
            var gap = Gap(3, 10, T0.AddSeconds(20), T0.AddSeconds(90));
            var row = Row(RestRow(104, T0.AddSeconds(30)));
            var history = C2Signal.FromHistory(row, gap, OrderFacts.FromRow(row).Time, T0.AddHours(2), 5);
            var stream = Signal(3, T0.AddSeconds(20), Snake(103, T0.AddSeconds(20)));
            using var sh = new PsShell();
            var r = sh.Run("param($a, $b) $a.PSObject.Properties.Name -join ','; $b.PSObject.Properties.Name -join ','; $b.Source; $b.FilledGap.Range; $b.PostedDate.GetType().Name", stream, history);
            r.ThrowIfFailed();
            var lines = r.Output.Select(o => o.ToString()).ToList();
            Assert.Equal("SessionId,Channel,StrategyId,SeqId,Id,Timestamp,ReceivedAt,Source,strategy_id,signal_id,symbol,side,quantity,posted_at", lines[0]);
            Assert.Equal("SessionId,Channel,StrategyId,SeqId,Id,Timestamp,ReceivedAt,Source,SignalId,C2Symbol,Side,OrderQuantity,OrderStatus,PostedDate", lines[1]);
            Assert.Equal("History", lines[2]);
            Assert.Equal("seq_id > 3 and < 10", lines[3]);
            Assert.Equal("DateTimeOffset", lines[4]);
        }
    }
}
