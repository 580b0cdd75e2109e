using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Case "overflow". A burst larger than the inbox: N signals released at once to a session whose inbox holds N/2 per
/// stream, its reader starting 0.1 s late, so the session sets the rest aside and fetches it again with resume_from
/// (replay pages) once the reader has made room. Side by side (interleaved rounds, each on its own session and
/// strategy) with the same burst into an inbox it fits, with the same late reader. Each figure is the burst's whole
/// delivery, from its release to the last signal taken by the reader; every round checks that each seq_id arrived
/// once and in order (a loss fails the case rather than flattering it).
/// </summary>
internal static class OverflowCase
{
    private static readonly TimeSpan ReaderDelay = TimeSpan.FromMilliseconds(100);

    public static async Task<List<Row>> RunAsync(Config cfg)
    {
        var n = cfg.ThroughputMessages;
        const long OverflowSid = 7001, FitSid = 7002;
        await using var sim = await Env.StartSimAsync();
        using var overflow = await Env.OpenSessionAsync(sim, o => o.InboxCapacity = n / 2);
        using var fit = await Env.OpenSessionAsync(sim, o => o.InboxCapacity = n * 2);
        await overflow.SubscribeAsync("strategy.signal", OverflowSid, null, TimeSpan.FromSeconds(10), CancellationToken.None);
        await fit.SubscribeAsync("strategy.signal", FitSid, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        var overflowRates = new List<double>();
        var fitRates = new List<double>();
        var pagesBefore = overflow.ReplayPages;
        var resubscribesBefore = overflow.Subscriptions[0].Resubscribes;
        for (var round = 0; round < cfg.ThroughputWarmupRounds / 2 + cfg.Rounds; round++)
        {
            var warm = round < cfg.ThroughputWarmupRounds / 2;
            double o = 0, f = 0;
            for (var k = 0; k < 2; k++)
            {
                if ((round + k) % 2 == 0) o = await BurstAsync(sim, overflow, OverflowSid, n);
                else f = await BurstAsync(sim, fit, FitSid, n);
            }
            Console.WriteLine($"   round {round + 1}{(warm ? " (warm-up)" : "")}: overflowing inbox {o:N0}/s, fitting inbox {f:N0}/s");
            if (warm) continue;
            overflowRates.Add(o);
            fitRates.Add(f);
        }
        var pages = overflow.ReplayPages - pagesBefore;
        var refetches = overflow.Subscriptions[0].Resubscribes - resubscribesBefore;
        var a = Stat.Median(overflowRates);
        var b = Stat.Median(fitRates);
        return new List<Row>
        {
            new("overflow burst", Config.Inv($"{n:N0} into an inbox of {n / 2:N0}: {Stat.F(a, "msg/s")}"), Config.Inv($"same burst, inbox of {n * 2:N0}: {Stat.F(b, "msg/s")}"),
                Stat.Ratio(a / b), ">= 0.5x fitting, nothing lost", Config.Met(a / b >= 0.5),
                Config.Inv($"release to the last signal taken, reader starting {ReaderDelay.TotalMilliseconds:0} ms late on both; every round checked each seq_id once and in order; the overflowing session resubscribed {refetches} times and paged {pages} replay pages over all rounds")),
        };
    }

    /// <summary>Releases n signals, starts the reader 0.1 s later, and returns the burst's delivery rate (release to
    /// last taken). Throws when a seq_id is missing, repeated or out of order.</summary>
    private static async Task<double> BurstAsync(C2Simulator sim, C2Session session, long sid, int n)
    {
        var first = sim.LastSeq("strategy.signal", sid) + 1;
        sim.PausePublishing();
        sim.PublishSignals(sid, n);
        var start = Stopwatch.GetTimestamp();
        sim.ResumePublishing();
        await Task.Delay(ReaderDelay); // the behaviour under test: a reader that starts late (not synchronisation)
        var last = await Task.Factory.StartNew(() =>
        {
            using var reader = new InboxReader(new[] { session });
            var expected = first;
            long at = 0;
            while (expected < first + n)
            {
                if (!reader.TryTake(null, TimeSpan.FromSeconds(60), CancellationToken.None, out _, out var taken))
                    throw new TimeoutException(Config.Inv($"overflow case: {expected - first} of {n} signals arrived"));
                if (!(taken.Item is C2StreamMessage m)) throw new InvalidOperationException("overflow case: a loss was reported: " + taken.Item);
                if (m.SeqId != expected) throw new InvalidOperationException(Config.Inv($"overflow case: seq_id {m.SeqId} where {expected} was due"));
                expected++;
                at = Stopwatch.GetTimestamp();
            }
            return at;
        }, TaskCreationOptions.LongRunning);
        return n / (Stat.TicksToMs(last - start) / 1000.0);
    }
}
