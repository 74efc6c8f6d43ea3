using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>
/// Interleaves the hand-written loop with Kiln's: at the end of every Kiln iteration (priority LOWEST, so after all
/// other hooks) it runs one hand-written iteration of its own model and data. Kiln's iteration time is the wall time
/// from the end of one hand-written iteration to the start of the next (Kiln's whole iteration: loop bookkeeping,
/// data loading, all hooks, the train step), the hand loop's is its step alone. Both sides see the same machine
/// state within microseconds, so a drift in the machine's speed cancels from their ratio.
/// </summary>
[Register(Registries.Hooks)]
public sealed class PairedHandHook : Hook
{
    /// <summary>The hand loop to interleave (set before the run).</summary>
    internal static TaxBenchmark.HandStepper? Hand { get; set; }

    public static List<double> KilnMilliseconds { get; } = [];

    public static List<double> HandMilliseconds { get; } = [];

    /// <summary>Managed bytes Kiln's iterations allocated on the training thread (the hand loop's excluded).</summary>
    public static long KilnAllocatedBytes { get; private set; }

    private long _last;
    private long _lastAllocated;

    public static void Clear()
    {
        KilnMilliseconds.Clear();
        HandMilliseconds.Clear();
        KilnAllocatedBytes = 0;
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        _last = Stopwatch.GetTimestamp();
        _lastAllocated = GC.GetAllocatedBytesForCurrentThread();
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        var hand = Hand ?? throw new InvalidOperationException("PairedHandHook.Hand is not set.");
        long kilnEnd = Stopwatch.GetTimestamp();
        KilnAllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - _lastAllocated;
        hand.Step();
        long handEnd = Stopwatch.GetTimestamp();
        _lastAllocated = GC.GetAllocatedBytesForCurrentThread();
        KilnMilliseconds.Add(Stopwatch.GetElapsedTime(_last, kilnEnd).TotalMilliseconds);
        HandMilliseconds.Add(Stopwatch.GetElapsedTime(kilnEnd, handEnd).TotalMilliseconds);
        _last = handEnd;
    }
}
