using System;
using System.Diagnostics;
using System.Runtime;

namespace C2WebSocket.Benchmarks;

/// <summary>
/// Warm-up until the JIT is quiet. A case's first rounds run while the process is still compiling: the engine's,
/// the module's and the framework's methods at tier 0, then again at tier 1 on a background thread that takes up to
/// most of a core for tens of seconds in a process hosting PowerShell (perf over a catch-up run: the "Tiered
/// Compilation" thread was busy from the first round to about the 75th, and the rounds it overlapped were slowed up
/// to fivefold, on either side). A fixed number of warm-up rounds left some of that in the timed rounds, and how much
/// changed from run to run. The event waited for instead: two stretches in a row, each of at least <see cref="Span"/> of
/// rounds, during which the JIT compiled for less than <see cref="QuietShare"/> of the time (<see cref="JitInfo.GetCompilationTime"/>,
/// every thread). Stretches follow one another; one quiet stretch alone was sometimes a lull (a pipeline case judged so
/// compiled 514 methods in its five timed rounds). Judged by time spent, not by
/// methods: tier-1 compiles come in batches a call-counting delay apart (100 ms), so three short rounds in a row
/// with none proved nothing (a replay of 1,000 so judged quiet after 8 rounds compiled 926 methods in its timed ones),
/// and a method or two compiled now and then for ever (a process hosting PowerShell does) costs nothing measurable.
/// </summary>
internal sealed class JitQuiet
{
    public static readonly TimeSpan Span = TimeSpan.FromSeconds(2);
    public const double QuietShare = 0.01;

    private readonly int _min, _max;
    private long _stretchStart = Stopwatch.GetTimestamp();
    private TimeSpan _stretchJit = JitInfo.GetCompilationTime();
    private long _warmEnd;

    /// <param name="min">Warm-up rounds run at least this many.</param>
    /// <param name="max">And at most this many: a process that never goes quiet is measured anyway (the row says so).</param>
    public JitQuiet(int min, int max) { _min = min; _max = max; }

    /// <summary>Warm-up rounds run so far.</summary>
    public int Rounds { get; private set; }

    /// <summary>Whether the warm-up ended because the JIT went quiet (false: it hit the maximum, or has not ended).</summary>
    public bool Quiet { get; private set; }

    /// <summary>The share of the last whole stretch the JIT spent compiling.</summary>
    public double LastShare { get; private set; } = double.NaN;

    /// <summary>Counts a warm-up round that just ended; true when warm-up is over.</summary>
    public bool RoundEnded()
    {
        Rounds++;
        var elapsed = Stopwatch.GetElapsedTime(_stretchStart);
        if (elapsed >= Span)
        {
            var jit = JitInfo.GetCompilationTime();
            var share = (jit - _stretchJit).TotalMilliseconds / elapsed.TotalMilliseconds;
            Quiet = share < QuietShare && LastShare < QuietShare; // two stretches in a row: one was sometimes a lull
            LastShare = share;
            _stretchStart = Stopwatch.GetTimestamp();
            _stretchJit = jit;
        }
        if (Rounds < _min || !(Quiet || Rounds >= _max)) return false;
        _warmEnd = JitInfo.GetCompiledMethodCount();
        return true;
    }

    /// <summary>Methods compiled since warm-up ended (what the timed rounds shared the machine with).</summary>
    public long SinceWarm => JitInfo.GetCompiledMethodCount() - _warmEnd;

    /// <summary>For a row's note; <paramref name="rounds"/> names what a round is (the latency case's are seconds).</summary>
    public string Describe(string rounds = "rounds") => Config.Inv($"warm-up {Rounds} {rounds}, until {(Quiet ? "" : "(not reached) ")}the JIT compiled for under {QuietShare:0%} of two stretches of {Span.TotalSeconds:0} s in a row ({LastShare:0.0%} in the last); {SinceWarm} methods compiled during the timed {rounds}");
}
