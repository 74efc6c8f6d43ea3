using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>
/// Records the wall time, and the training thread's CPU time, between consecutive <c>after_train_iter</c> calls (one
/// full iteration each, data loading included).
/// </summary>
[Register(Registries.Hooks)]
public sealed class IterTimeHook : Hook
{
    public static List<double> Milliseconds { get; } = [];

    public static List<double> CpuMilliseconds { get; } = [];

    private long _last;
    private double _lastCpu;

    public static void Clear()
    {
        Milliseconds.Clear();
        CpuMilliseconds.Clear();
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        _last = Stopwatch.GetTimestamp();
        _lastCpu = CpuClock.ProcessMs();
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        long now = Stopwatch.GetTimestamp();
        double cpu = CpuClock.ProcessMs();
        Milliseconds.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        CpuMilliseconds.Add(cpu - _lastCpu);
        _last = now;
        _lastCpu = cpu;
    }
}
