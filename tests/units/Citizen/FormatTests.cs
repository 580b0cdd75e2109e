using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using C2WebSocket.Shell;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// The views of C2WebSocket.Format.ps1xml, rendered by Out-Default through a text host. (The hosted engine has
    /// no Format-List, so the list views are checked for well-formedness by the import itself.)
    /// </summary>
    public class FormatTests
    {
        private static string[] Lines(StringWriter w) => w.ToString().Replace("\r", "").Split('\n');

        [Fact]
        public async Task Signals_and_positions_render_as_tables_with_payload_columns_tolerating_missing_fields()
        {
            await using var sim = await Sim.StartFastAsync();
            var text = new StringWriter();
            using var sh = new PsShell(new TextHost(text, 160));
            sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1] | Add-C2Subscription -StrategyId 12345678 -Channel strategy.signal, strategy.positions | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            sim.PublishSignal(12345678, new { strategy_id = 12345678, signal_id = 9001, symbol = "ESZ6", symbol_type = "future", side = "buy", action = "open", quantity = 2, order_type = "limit", limit_price = 5012.25m, stop_price = (decimal?)null, tif = "day", posted_at = "2025-11-23T09:31:02Z" });
            sim.PublishSignal(12345678, new { strategy_id = 12345678, note = "a payload without the usual fields" });
            sim.PublishPosition(12345678, new { strategy_id = 12345678, symbol = "NQZ6", quantity = -3, avg_price = 17850.5m, updated_at = "2025-11-23T09:32:00Z" });

            var r = sh.Run("Set-StrictMode -Version Latest; Receive-C2Signal -Channel strategy.signal -Count 2 | Out-Default");
            r.ThrowIfFailed();
            var lines = Lines(text);
            var header = lines.First(l => l.Contains("SeqId"));
            foreach (var col in new[] { "Time", "StrategyId", "SeqId", "Symbol", "Side", "Action", "Quantity", "Type", "Price", "TIF" })
                Assert.Contains(col, header);
            var row = lines.Single(l => l.Contains("ESZ6"));
            foreach (var cell in new[] { "12345678", "buy", "open", "2", "limit", "5012.25", "day" }) Assert.Contains(cell, row);
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row);
            // The second signal has none of the fields: its row still renders (strategy, seq) without errors.
            Assert.Contains(lines, l => l.Contains("12345678") && !l.Contains("ESZ6") && System.Text.RegularExpressions.Regex.IsMatch(l, @"12345678\s+2\b"));
            Assert.DoesNotContain("PropertyNotFound", text.ToString());

            text.GetStringBuilder().Clear();
            sh.Run("Receive-C2Signal -Channel strategy.positions -Count 1 | Out-Default").ThrowIfFailed();
            lines = Lines(text);
            header = lines.First(l => l.Contains("AvgPrice"));
            foreach (var col in new[] { "Time", "StrategyId", "SeqId", "Symbol", "Quantity", "AvgPrice", "UpdatedAt" }) Assert.Contains(col, header);
            row = lines.Single(l => l.Contains("NQZ6"));
            foreach (var cell in new[] { "-3", "17850.5", "2025-11-23T09:32:00Z" }) Assert.Contains(cell, row);
        }

        [Fact]
        public async Task Sessions_subscriptions_and_connection_tests_have_views()
        {
            await using var sim = await Sim.StartFastAsync();
            var text = new StringWriter();
            using var sh = new PsShell(new TextHost(text, 160));
            sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1] | Add-C2Subscription -StrategyId 777 | Out-Null", sim.Uri, sim.DemoApiKey).ThrowIfFailed();

            sh.Run("Get-C2Session | Out-Default").ThrowIfFailed();
            var header = Lines(text).First(l => l.Contains("Subscriptions"));
            foreach (var col in new[] { "Id", "State", "Subscriptions", "Inbox", "Reconnects", "ConnectedAt", "Uri" }) Assert.Contains(col, header);
            Assert.Contains(Lines(text), l => l.Contains("Connected") && l.Contains("0/10000") && l.Contains(sim.Uri.ToString()));


            text.GetStringBuilder().Clear();
            sh.Run("Get-C2Subscription | Out-Default").ThrowIfFailed();
            header = Lines(text).First(l => l.Contains("Resubscribes"));
            foreach (var col in new[] { "SessionId", "Channel", "StrategyId", "State", "LastSeqId", "ResumeFrom", "LastError" }) Assert.Contains(col, header);
            Assert.Contains(Lines(text), l => l.Contains("strategy.signal") && l.Contains("777") && l.Contains("Active"));

            text.GetStringBuilder().Clear();
            sh.Run("Test-C2Connection -Uri $args[0] -ApiKey $args[1] | Out-Default", sim.Uri, sim.DemoApiKey).ThrowIfFailed();
            header = Lines(text).First(l => l.Contains("Authenticated"));
            foreach (var col in new[] { "Authenticated", "StatusCode", "RoundTripMs", "ServerVersion" }) Assert.Contains(col, header);
            Assert.Contains(Lines(text), l => l.Contains("True") && l.Contains("101"));

            text.GetStringBuilder().Clear();
            sh.Run("Test-C2Connection -Uri $args[0] -ApiKey 'wrong-key' | Out-Default", sim.Uri).ThrowIfFailed();
            Assert.Contains(Lines(text), l => l.Contains("False") && l.Contains("401"));
            sh.Run("Disconnect-C2Socket -All").ThrowIfFailed();
        }
    }
}
