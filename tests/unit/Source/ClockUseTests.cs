using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace C2WebSocket.Tests.Source
{
    /// <summary>
    /// Time only through <see cref="TimeProvider"/> (issue 25): product code reads no clock and starts no timer of its own,
    /// so every timeout, backoff, deadline and measured duration runs on the fake clock in the unit tests. Reads the
    /// sources of src/C2WebSocket; a failure names the file, the line and what it used.
    /// </summary>
    public class ClockUseTests
    {
        private static readonly (Regex Pattern, string Use)[] Forbidden =
        {
            (new Regex(@"\bDateTime(Offset)?\.(UtcNow|Now|Today)\b"), "reads the wall clock (use TimeProvider.GetUtcNow)"),
            (new Regex(@"\bStopwatch\b|\bEnvironment\.TickCount"), "measures time (use TimeProvider.GetTimestamp / GetElapsedTime)"),
            (new Regex(@"\bnew\s+(System\.Threading\.)?Timer\s*\("), "starts a timer (use TimeProvider.CreateTimer)"),
            (new Regex(@"\bTask\.Delay\s*\((?![^;]*TimeProvider|[^;]*_time\b)"), "waits on the real clock (use TimeProvider.Delay)"),
            (new Regex(@"\bnew\s+CancellationTokenSource\s*\(\s*[^)\s]"), "a time limit on the real clock (use TimeProvider.CreateCancellationTokenSource)"),
            (new Regex(@"\.CancelAfter\s*\("), "a time limit on the real clock (use TimeProvider.CreateCancellationTokenSource)"),
        };

        [Fact]
        public void ProductCodeUsesNoClockButTheTimeProvider()
        {
            var found = (from file in Repo.ProductSources()
                         from line in file.Text.Split('\n').Select((text, i) => (Text: text.TrimEnd('\r'), No: i + 1))
                         let code = line.Text.Split(new[] { "//" }, StringSplitOptions.None)[0]
                         from rule in Forbidden
                         where rule.Pattern.IsMatch(code)
                         select file.Name + ":" + line.No + " " + rule.Use + ": " + line.Text.Trim()).ToList();
            Assert.True(found.Count == 0, "Clock use outside TimeProvider:\n" + string.Join("\n", found));
        }

        [Fact]
        public void TheScanFindsEachForbiddenUse()
        {
            // The scan itself can fail: each pattern matches the use it forbids and not the TimeProvider form beside it.
            Assert.Matches(Forbidden[0].Pattern, "var now = DateTimeOffset.UtcNow;");
            Assert.DoesNotMatch(Forbidden[0].Pattern, "var now = _time.GetUtcNow();");
            Assert.Matches(Forbidden[1].Pattern, "var sw = Stopwatch.StartNew();");
            Assert.Matches(Forbidden[2].Pattern, "_t = new Timer(cb, null, 0, 100);");
            Assert.DoesNotMatch(Forbidden[2].Pattern, "_t = _time.CreateTimer(cb, null, due, period);");
            Assert.Matches(Forbidden[3].Pattern, "await Task.Delay(100);");
            Assert.DoesNotMatch(Forbidden[3].Pattern, "await Task.Delay(delay, _time);");
            Assert.Matches(Forbidden[4].Pattern, "using (var cts = new CancellationTokenSource(timeout))");
            Assert.DoesNotMatch(Forbidden[4].Pattern, "private readonly CancellationTokenSource _stop = new CancellationTokenSource();");
        }
    }
}
