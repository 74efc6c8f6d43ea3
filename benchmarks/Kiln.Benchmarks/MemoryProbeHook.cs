using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Benchmarks;

/// <summary>After every training epoch, records the process's resident memory, the managed heap and the live tensors.</summary>
[Register(Registries.Hooks)]
public sealed class MemoryProbeHook : Hook
{
    public static List<(int Epoch, double RssMiB, double ManagedMiB, long LiveTensors)> Samples { get; } = [];

    public override int Priority => HookPriority.Lowest;

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        Samples.Add((runner.Epoch + 1, process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0,
            DisposeScopeManager.Statistics.ThreadTotalLiveCount));
    }
}
