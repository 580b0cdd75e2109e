using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

/// <summary>
/// ReplayRetention: a replay serves only the newest N signals of a stream, while everything published stays in memory.
/// A resume_from below the oldest held plays one of two branches (the C2 docs are silent): replay from the oldest held,
/// or a gap at once and then that replay.
/// </summary>
public class SimulatorRetentionTests
{
    private const long S = 31;
    private const string Signal = "strategy.signal";

    private static async Task<RawClient> ResumedAsync(C2Simulator sim, long resumeFrom)
    {
        var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, requestId: "sub", resumeFrom: resumeFrom);
        Assert.Equal("sub", (await c.ReceiveAsync()).Str("request_id"));
        return c;
    }

    /// <summary>Reads replayed signals up to the next gap (or until <paramref name="last"/>); returns the first seq_id.</summary>
    private static async Task<long> ReadRunAsync(RawClient c, long last)
    {
        var first = (await c.ReceiveAsync()).Seq();
        for (long s = first + 1; s <= last; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());
        return first;
    }

    [Fact]
    public async Task ReplayOldest_starts_at_the_oldest_held_signal_and_sends_a_gap_only_for_the_limit()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { ReplayRetention = 1200, SyntheticPayloadBytes = 50 });
        sim.PublishSignals(S, 1500);
        Assert.Equal(1500, sim.HistoryCount(Signal, S));          // published signals are kept: only the replay forgets

        await using var c = await ResumedAsync(sim, 100);
        Assert.Equal(301, await ReadRunAsync(c, 1300));           // 101..300 are no longer held: not a word about them
        var gap = await c.ReceiveAsync();                          // the replay limit (1000) as usual
        Assert.Equal("gap", gap.Type());
        Assert.Equal("100", gap.P().Str("from"));
        Assert.Contains("Replay limit", gap.P().Str("message"));

        // The next page is held whole: no gap; then live.
        await c.SubscribeAsync(S, requestId: "page", resumeFrom: 1300);
        Assert.Equal("page", (await c.ReceiveAsync()).Str("request_id"));
        Assert.Equal(1301, await ReadRunAsync(c, 1500));
        Assert.Equal(1501, sim.PublishSignal(S));
        Assert.Equal(1501, (await c.ReceiveAsync()).Seq());
        Assert.Equal(1, sim.Stats.GapsSent);
        Assert.Equal(1, sim.Stats.RetentionHoles);

        // Under the limit: the replay from the oldest held ends without a gap.
        sim.Options.ReplayRetention = 50;
        await using var small = await ResumedAsync(sim, 1000);
        Assert.Equal(1452, await ReadRunAsync(small, 1501));
        Assert.Equal(1502, sim.PublishSignal(S));
        Assert.Equal(1502, (await small.ReceiveAsync()).Seq());   // live next, no gap between
    }

    [Fact]
    public async Task GapFirst_sends_a_gap_at_once_then_replays_from_the_oldest_held()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions
        {
            ReplayRetention = 1200, BelowRetention = RetentionHoleReply.GapFirst, SyntheticPayloadBytes = 50,
        });
        sim.PublishSignals(S, 1500);

        await using var c = await ResumedAsync(sim, 100);
        var early = await c.ReceiveAsync();
        Assert.Equal("gap", early.Type());
        Assert.Equal("100", early.P().Str("from"));
        Assert.Equal($"{Signal}:{S}", early.P().Str("channel"));
        Assert.Contains("301", early.P().Str("message"));
        Assert.Equal(301, await ReadRunAsync(c, 1300));
        Assert.Equal("gap", (await c.ReceiveAsync()).Type());    // the limit's gap after the replay, as usual
        Assert.Equal(2, sim.Stats.GapsSent);

        // A resume_from inside the retention plays no branch: the replay starts right after it.
        await using var inside = await ResumedAsync(sim, 1400);
        Assert.Equal(1401, await ReadRunAsync(inside, 1500));
        Assert.Equal(1501, sim.PublishSignal(S));
        Assert.Equal(1501, (await inside.ReceiveAsync()).Seq());
        Assert.Equal(1, sim.Stats.RetentionHoles);
    }
}
