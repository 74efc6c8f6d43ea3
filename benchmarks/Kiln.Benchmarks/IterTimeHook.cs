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

    public static void Clear()
    {
        Milliseconds.Clear();
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        _last = Stopwatch.GetTimestamp();
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        long now = Stopwatch.GetTimestamp();
        Milliseconds.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        _last = now;
    }
}
