using System;
using System.IO;
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
            var root = Path.Combine(RepoRoot(), "src", "C2WebSocket");
            var found = (from file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                         where !file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !file.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar)
                         from line in File.ReadLines(file).Select((text, i) => (Text: text, No: i + 1))
                         let code = line.Text.Split(new[] { "//" }, StringSplitOptions.None)[0]
                         from rule in Forbidden
                         where rule.Pattern.IsMatch(code)
                         select Path.GetRelativePath(root, file) + ":" + line.No + " " + rule.Use + ": " + line.Text.Trim()).ToList();
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

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "C2PowerShell.sln"))) return dir.FullName;
            throw new InvalidOperationException("C2PowerShell.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
