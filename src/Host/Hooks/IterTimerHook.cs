using System.Diagnostics;
using Kiln.Registry;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>IterTimerHook</c>: logs <c>{mode}/data_time</c> (waiting for the batch) and <c>{mode}/time</c>
/// (the whole iteration), and the <c>eta</c> from the mean iteration time so far.
/// </summary>
[Register(Registries.Hooks)]
public sealed class IterTimerHook : Hook
{
    private long _last;
    private double _trainSeconds;
    private int _startIter;
    private double _evalSeconds;

    public override int Priority => HookPriority.Normal;

    public override void BeforeTrain(IRunnerContext runner)
    {
        _startIter = runner.Iter;
        _trainSeconds = 0;
    }

    public override void BeforeVal(IRunnerContext runner) => _evalSeconds = 0;

    public override void BeforeTest(IRunnerContext runner) => _evalSeconds = 0;

    protected override void BeforeEpoch(IRunnerContext runner, string mode) => _last = Stopwatch.GetTimestamp();

    protected override void BeforeIter(IRunnerContext runner, string mode, BatchArgs args) =>
        runner.MessageHub.UpdateScalar(Key(mode, "data_time"), Stopwatch.GetElapsedTime(_last).TotalSeconds);

    /// <summary><c>{mode}/{name}</c> without building a string per iteration for the three loop modes.</summary>
    private static string Key(string mode, string name) => (mode, name) switch
    {
        ("train", "time") => "train/time",
        ("train", "data_time") => "train/data_time",
        ("val", "time") => "val/time",
        ("val", "data_time") => "val/data_time",
        ("test", "time") => "test/time",
        ("test", "data_time") => "test/data_time",
        _ => $"{mode}/{name}",
    };

    protected override void AfterIter(IRunnerContext runner, string mode, BatchArgs args)
    {
        double seconds = Stopwatch.GetElapsedTime(_last).TotalSeconds;
        _last = Stopwatch.GetTimestamp();
        runner.MessageHub.UpdateScalar(Key(mode, "time"), seconds);
        double eta;
        if (mode == "train")
        {
            _trainSeconds += seconds;
            eta = _trainSeconds / (runner.Iter - _startIter + 1) * (runner.MaxIters - runner.Iter - 1);
        }
        else
        {
            _evalSeconds += seconds;
            eta = _evalSeconds / (args.BatchIndex + 1) * (runner.DataloaderLength(mode) - args.BatchIndex - 1);
        }
        runner.MessageHub.UpdateInfo("eta", eta);
    }
}
