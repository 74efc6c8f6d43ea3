using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Benchmarks;

/// <summary>
/// After every training epoch, and after the iterations listed in <see cref="IterMarks"/>, records the process's
/// resident memory, the managed heap and the live tensors (after a full garbage collection).
/// </summary>
[Register(Registries.Hooks)]
public sealed class MemoryProbeHook : Hook
{
    /// <summary>Each sample; <c>CommittedMiB</c> is the memory the garbage collector holds from the OS (part of RSS).</summary>
    public static List<(int Epoch, double RssMiB, double ManagedMiB, double CommittedMiB, long LiveTensors)> Samples { get; } = [];

    /// <summary>Iteration counts after which to sample (then <c>Epoch</c> in <see cref="Samples"/> holds the iteration).</summary>
    public static HashSet<int> IterMarks { get; } = [];

    public override int Priority => HookPriority.Lowest;

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        if (IterMarks.Count == 0) Sample(runner.Epoch + 1);
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if (IterMarks.Contains(runner.Iter + 1)) Sample(runner.Iter + 1);
    }

    private static void Sample(int at)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        Samples.Add((at, process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0,
            GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, DisposeScopeManager.Statistics.ThreadTotalLiveCount));
    }
}
