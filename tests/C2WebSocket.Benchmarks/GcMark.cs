using System;

namespace C2WebSocket.Benchmarks;

/// <summary>What the runtime did between two moments of a burst (GC counts, pause, allocation, thread-pool work items).</summary>
internal readonly record struct GcMark(int G0, int G1, int G2, TimeSpan Pause, long Alloc, long Items)
{
    public static GcMark Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
        GC.GetTotalAllocatedBytes(), System.Threading.ThreadPool.CompletedWorkItemCount);

    /// <summary>From <paramref name="start"/> to this mark, per message of an <paramref name="n"/>-message burst.</summary>
    public string Since(GcMark start, int n) =>
        $"GC {G0 - start.G0}/{G1 - start.G1}/{G2 - start.G2} pause {(Pause - start.Pause).TotalMilliseconds:0.0} ms alloc {(Alloc - start.Alloc) / n} B/msg, {Items - start.Items} pool items";

    /// <summary>The last young-generation collection, if one ran since this mark: what it promoted and its pause.</summary>
    public string LastCollection()
    {
        if (GC.CollectionCount(0) == G0) return "";
        var gi = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        return $"; last gen{gi.Generation} GC promoted {gi.PromotedBytes / 1024} KB, paused {gi.PauseDurations[0].TotalMilliseconds:0.0} ms";
    }
}
