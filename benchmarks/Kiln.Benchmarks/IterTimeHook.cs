using System.Diagnostics;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>
/// Records the wall time between consecutive <c>after_train_iter</c> calls (one full iteration each, data loading
/// included), and the process's CPU time from <c>before_train</c> to <c>after_train</c>.
/// </summary>
[Register(Registries.Hooks)]
public sealed class IterTimeHook : Hook
{
    public static List<double> Milliseconds { get; } = [];

    /// <summary>Process CPU milliseconds from before_train to after_train (all threads).</summary>
    public static double CpuMilliseconds { get; private set; }

    private long _last;
    private TimeSpan _cpuStart;

    public static void Clear()
    {
        Milliseconds.Clear();
        CpuMilliseconds = 0;
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        _last = Stopwatch.GetTimestamp();
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        long now = Stopwatch.GetTimestamp();
        Milliseconds.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        _last = now;
    }

    public override void AfterTrain(IRunnerContext runner) =>
        CpuMilliseconds = (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalMilliseconds;
}
