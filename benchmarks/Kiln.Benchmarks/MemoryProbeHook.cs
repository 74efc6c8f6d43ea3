using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Benchmarks;

/// <summary>
/// After every training epoch, and after the iterations listed in <see cref="IterMarks"/>, records the process's
/// resident memory, malloc's heap in use and free (<see cref="NativeHeap"/>), the managed heap and the live tensors
/// (after a full garbage collection).
/// </summary>
[Register(Registries.Hooks)]
public sealed class MemoryProbeHook : Hook
{
    /// <summary>
    /// One sample. <c>CommittedMiB</c> is the memory the garbage collector holds from the OS (part of RSS);
    /// <c>MallocInUseMiB</c> and <c>MallocFreeMiB</c> malloc's heap in use and free in its arenas (NaN without glibc).
    /// </summary>
    public readonly record struct Sample(int Epoch, double RssMiB, double ManagedMiB, double CommittedMiB, long LiveTensors,
        double MallocInUseMiB, double MallocFreeMiB);

    public static List<Sample> Samples { get; } = [];

    /// <summary>Iteration counts after which to sample (then <c>Epoch</c> in <see cref="Samples"/> holds the iteration).</summary>
    public static HashSet<int> IterMarks { get; } = [];

    public override int Priority => HookPriority.Lowest;

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        if (IterMarks.Count == 0) Record(runner.Epoch + 1);
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if (IterMarks.Contains(runner.Iter + 1)) Record(runner.Iter + 1);
    }

    private static void Record(int at)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var (mallocInUse, mallocFree) = NativeHeap.Read();
        Samples.Add(new Sample(at, process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0,
            GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, DisposeScopeManager.Statistics.ThreadTotalLiveCount, mallocInUse, mallocFree));
    }
}
