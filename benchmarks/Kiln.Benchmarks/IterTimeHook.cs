using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>Records the wall time between consecutive <c>after_train_iter</c> calls (one full iteration each, data loading included).</summary>
[Register(Registries.Hooks)]
public sealed class IterTimeHook : Hook
{
    public static List<double> Milliseconds { get; } = [];

    private long _last;

    /// <summary>Managed bytes allocated on the training thread from the first to the last iteration's end.</summary>
    public static long AllocatedBytes { get; private set; }

    private long _firstAllocated;

    public static void Clear()
    {
        Milliseconds.Clear();
        AllocatedBytes = 0;
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        _last = Stopwatch.GetTimestamp();
        _firstAllocated = -1;
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        long now = Stopwatch.GetTimestamp();
        Milliseconds.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        if (_firstAllocated < 0) _firstAllocated = allocated;
        AllocatedBytes = allocated - _firstAllocated;
        _last = now;
    }
}
