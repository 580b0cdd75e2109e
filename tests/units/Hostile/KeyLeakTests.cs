using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Hostile
{
    /// <summary>
    /// Runs every cmdlet through success and failure paths with -Verbose -Debug and searches every stream, every
    /// output object (properties recursively, ToString), every error and exception, and every file written for the key.
    /// </summary>
    public class KeyLeakTests
    {
        private const string Key = "LEAKCANARY-k3y-5e1f9a7c2b";
        private const string BadKey = "LEAKCANARY-wrong-0d4b8e";
        private static readonly string[] Secrets = { Key, BadKey, "k3y-5e1f9a7c2b", "wrong-0d4b8e" };

        private sealed class Scanner
        {
            private readonly HashSet<object> _seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
            public readonly List<string> Leaks = new List<string>();
            public int Checked;

            public void Text(string where, string? text)
            {
                Checked++;
                if (text == null) return;
                foreach (var s in Secrets)
                    if (text.Contains(s, StringComparison.Ordinal)) Leaks.Add(where + ": " + (text.Length > 300 ? text.Substring(0, 300) : text));
            }

            public void Object(string where, object? o, int depth = 0)
            {
                if (o == null || depth > 6 || Checked > 200_000) return;
                if (o is PSObject pso) { Text(where + ".ToString()", SafeToString(pso)); o = pso.BaseObject; if (!(o is PSCustomObject)) { Object(where, o, depth); } }
                if (o is string str) { Text(where, str); return; }
                var t = o.GetType();
                if (t.IsPrimitive || o is decimal || o is DateTime || o is DateTimeOffset || o is TimeSpan || o is Enum || o is Guid) return;
                if (!_seen.Add(o)) return;
                Text(where + ".ToString()", SafeToString(o));
                if (o is Exception ex)
                {
                    Text(where + " exception", ex.ToString());
                    foreach (DictionaryEntry d in ex.Data) Text(where + ".Data", d.Key + "=" + d.Value);
                }
                if (o is ErrorRecord er)
                {
                    Text(where + " details", er.ErrorDetails?.Message);
                    Text(where + " action", er.ErrorDetails?.RecommendedAction);
                    Text(where + " fqid", er.FullyQualifiedErrorId);
                    Text(where + " category", er.CategoryInfo.ToString());
                    Object(where + ".Exception", er.Exception, depth + 1);
                    Object(where + ".TargetObject", er.TargetObject, depth + 1);
                    return;
                }
                if (o is IEnumerable e && !(o is IDictionary))
                {
                    var i = 0;
                    foreach (var item in e) { if (i++ > 200) break; Object(where + "[" + i + "]", item, depth + 1); }
                }
                if (t.Namespace != null && (t.Namespace.StartsWith("System.Management.Automation", StringComparison.Ordinal) && !(o is PSCustomObject))) return;
                foreach (var p in PSObject.AsPSObject(o).Properties)
                {
                    object? v;
                    try { v = p.Value; } catch (Exception) { continue; }
                    Object(where + "." + p.Name, v, depth + 1);
                }
            }

            private static string? SafeToString(object o) { try { return o.ToString(); } catch (Exception) { return null; } }

            public void Result(string step, PsResult r)
            {
                foreach (var o in r.Output) Object(step + " output", o);
                foreach (var e in r.AllErrors) Object(step + " error", e);
                if (r.Terminating != null) Object(step + " terminating", r.Terminating);
                foreach (var w in r.Warnings) Text(step + " warning", w);
                foreach (var v in r.Verbose) Text(step + " verbose", v);
                foreach (var d in r.Debug) Text(step + " debug", d);
                foreach (var i in r.Information) Text(step + " information", i);
            }
        }

        [Fact]
        public async Task The_key_appears_in_no_stream_object_error_or_file()
        {
            await using var sim = await Sim.StartFastAsync(o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                o.HeartbeatGrace = TimeSpan.FromSeconds(5);
                o.ApiKeys = new Dictionary<string, SimulatorKey>(StringComparer.Ordinal) { [Key] = new SimulatorKey { ForbiddenStrategies = { 666 } } };
            });
            var dir = Path.Combine(Path.GetTempPath(), "c2-leak-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            var scan = new Scanner();
            var steps = 0;
            try
            {
                using var sh = new PsShell();
                PsResult Run(string step, string script, params object?[] args)
                {
                    var r = sh.Run("$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $WarningPreference = 'Continue'\n" + script, args);
                    scan.Result(step, r);
                    steps++;
                    return r;
                }
                var cp = Path.Combine(dir, "checkpoint.json");
                var secure = Sim.Secure(Key);

                // Success paths: SecureString (as Get-Secret returns it), plain string, $env:C2_API_KEY.
                Run("connect-plain", "$p = Connect-C2Socket -ApiKey $args[0] -Uri $args[1] -Verbose -Debug; $p; Disconnect-C2Socket $p -PassThru -Verbose -Debug", Key, sim.Uri).ThrowIfFailed();
                Environment.SetEnvironmentVariable("C2_API_KEY", Key);
                try { Run("connect-env", "$e = Connect-C2Socket -Uri $args[0] -Verbose -Debug; $e; Disconnect-C2Socket $e -Verbose -Debug", sim.Uri).ThrowIfFailed(); }
                finally { Environment.SetEnvironmentVariable("C2_API_KEY", null); }
                var r = Run("connect", "$global:s = Connect-C2Socket -ApiKey $args[0] -Uri $args[1] -CheckpointPath $args[2] -ReconnectIntervalSec 0.05 -Verbose -Debug; $s", secure, sim.Uri, cp);
                r.ThrowIfFailed();
                Run("test-ok", "Test-C2Connection -ApiKey $args[0] -Uri $args[1] -Verbose -Debug", secure, sim.Uri).ThrowIfFailed();

                // Failure paths: refused key (Connect and Test), unencrypted refusal, bad parameters.
                Assert.NotEmpty(Run("connect-badkey", "Connect-C2Socket -ApiKey $args[0] -Uri $args[1] -Verbose -Debug", BadKey, sim.Uri).AllErrors);
                Run("test-badkey", "Test-C2Connection -ApiKey $args[0] -Uri $args[1] -Verbose -Debug", BadKey, sim.Uri);
                Assert.NotEmpty(Run("connect-ws", "Connect-C2Socket -ApiKey $args[0] -Uri ws://192.0.2.10/ws -Verbose -Debug", Key).AllErrors);
                Assert.NotEmpty(Run("connect-timeout", "Connect-C2Socket -ApiKey $args[0] -Uri ws://192.0.2.10:9/ws -AllowUnencryptedAuthentication -NoProxy -TimeoutSec 1 -Verbose -Debug", Key).AllErrors);
                Run("connect-badproxy", "Connect-C2Socket -ApiKey $args[0] -Uri $args[1] -Proxy http://127.0.0.1:1 -TimeoutSec 2 -MaxReconnectAttempts 0 -Verbose -Debug", Key, sim.Uri);

                // Subscriptions: accepted, refused by the server, timed out.
                Run("add", "Add-C2Subscription -StrategyId 77, 78 -Verbose -Debug").ThrowIfFailed();
                Assert.NotEmpty(Run("add-refused", "Add-C2Subscription -StrategyId 666 -Verbose -Debug").AllErrors);
                Run("get-sub", "Get-C2Subscription -Verbose -Debug; Get-C2Subscription -StrategyId 77 -Channel strategy.signal -Verbose -Debug").ThrowIfFailed();
                Run("get-session", "Get-C2Session -Verbose -Debug; Get-C2Session -Default; Get-C2Session -Id 999999").AllErrors.ToList();

                // Signals, a server error not tied to a request, undecodable junk, an oversized message, a timeout.
                sim.PublishSignal(77, new { strategy_id = 77, symbol = "ESZ6" });
                sim.PublishSignal(78, new { strategy_id = 78, symbol = "NQZ6" });
                sim.PublishRawToAll("{\"msg_type\":\"error\",\"payload\":{\"code\":\"INTERNAL\",\"message\":\"server trouble\"}}");
                sim.PublishRawToAll("not json at all");
                r = Run("receive", "Receive-C2Signal -Count 2 -TimeoutSec 10 -Verbose -Debug");
                Assert.Equal(2, r.Output.Count);
                Run("receive-timeout", "Receive-C2Signal -TimeoutSec 1 -Verbose -Debug; Receive-C2Signal -IdleTimeoutSec 1 -StrategyId 77 -Verbose -Debug");
                sim.Freeze();
                try { Assert.NotEmpty(Run("add-timeout", "Add-C2Subscription -StrategyId 79 -TimeoutSec 1 -Verbose -Debug").AllErrors); }
                finally { sim.Unfreeze(); }
                sim.DropAllConnections();
                var session = (C2Session)sh.Run("$s").Output.Single().BaseObject;
                await Sim.UntilAsync(session, () => session.Reconnects >= 1 && session.State == C2SessionState.Connected, "reconnect after the drop");
                Run("after-reconnect", "Get-C2Session | Format-List * | Out-String; Receive-C2Signal -TimeoutSec 1 -Verbose -Debug");
                Run("remove", "Get-C2Subscription -StrategyId 78 | Remove-C2Subscription -PassThru -Verbose -Debug; Remove-C2Subscription -StrategyId 424242 -Verbose -Debug");
                Run("disconnect", "Disconnect-C2Socket -All -Verbose -Debug; $s; Get-C2Session");

                // The session object itself, at the end, and everything written to disk.
                scan.Object("session", session);
                foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                {
                    scan.Text("file " + Path.GetFileName(f), File.ReadAllText(f));
                    scan.Text("file(bytes) " + Path.GetFileName(f), Encoding.Latin1.GetString(File.ReadAllBytes(f)));
                }
                Assert.True(File.Exists(cp), "the checkpoint was written");
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (Exception) { }
            }
            // The scanner itself finds a planted key (a scanner that finds nothing proves nothing).
            var control = new Scanner();
            control.Object("control", PSObject.AsPSObject(new { Nested = new { Text = "Bearer " + Key } }));
            Assert.NotEmpty(control.Leaks);
            Assert.True(steps >= 18 && scan.Checked > 500, "scanned " + scan.Checked + " texts in " + steps + " steps");
            Assert.True(scan.Leaks.Count == 0, "The API key leaked:" + Environment.NewLine + string.Join(Environment.NewLine, scan.Leaks.Take(20)));
        }
    }
}
