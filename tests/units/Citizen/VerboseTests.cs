using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests
{
    public class VerboseTests
    {
        [Fact]
        public async Task Verbose_tells_the_story_of_connect_subscribe_reconnect_and_resume()
        {
            await using var sim = await Sim.StartFastAsync();
            using var sh = new PsShell();
            var connect = sh.Run("Connect-C2Socket -Uri $args[0] -ApiKey $args[1] -ReconnectIntervalSec 0.02 -Verbose", sim.Uri, sim.DemoApiKey);
            connect.ThrowIfFailed();
            Assert.Contains(connect.Verbose, v => v.Contains("connecting to " + sim.Uri));
            Assert.Contains(connect.Verbose, v => v.Contains("Connected"));

            var sub = sh.Run("Add-C2Subscription -StrategyId 4242 -Verbose");
            sub.ThrowIfFailed();
            Assert.Contains(sub.Verbose, v => v.Contains("subscribing to strategy.signal:4242"));
            Assert.Contains(sub.Verbose, v => v.Contains("subscribed to strategy.signal:4242"));

            sim.PublishSignal(4242);
            sh.Run("Receive-C2Signal -Count 1").ThrowIfFailed();
            sim.DropAllConnections();
            sim.PublishSignal(4242);
            var rx = sh.Run("Receive-C2Signal -Count 1 -TimeoutSec 20 -Verbose");
            rx.ThrowIfFailed();
            Assert.Single(rx.Output);
            // The signal can arrive before the background recorded its last reconnect line; the next cmdlet that
            // touches the session drains the rest.
            var session = (C2Session)sh.Run("Get-C2Session -Default").Output.Single().BaseObject;
            await Sim.UntilAsync(session, () => session.Reconnects >= 1 && session.State == C2SessionState.Connected, "reconnected");
            var after = sh.Run("Get-C2Subscription -Verbose | Out-Null");
            after.ThrowIfFailed();
            var story = rx.Verbose.Concat(after.Verbose).ToList();
            Assert.Contains(story, v => v.Contains("connection 0 lost"));
            Assert.Contains(story, v => v.Contains("reconnected"));
            Assert.Contains(story, v => v.Contains("subscribing to strategy.signal:4242 with resume_from 1 (after a reconnect)"));
            Assert.Contains(rx.Verbose, v => v.Contains("1 object(s) written"));
            sh.Run("Disconnect-C2Socket -All").ThrowIfFailed();
        }
    }
}
