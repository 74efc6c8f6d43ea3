using System.Globalization;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>LoggerHook</c>: every <see cref="Interval"/> iterations writes the log line the
/// <c>LogProcessor</c> formats, and after each validation the epoch summary. Each logged tag also goes, as one
/// JSON line, to <c>&lt;log_dir&gt;/vis_data/scalars.json</c> and <c>&lt;timestamp&gt;.json</c>, as MMEngine's
/// <c>LocalVisBackend</c> writes them. Not built yet (issue 7): <c>out_dir</c>, <c>keep_local</c>, other backends.
/// </summary>
[Register(Registries.Hooks)]
public sealed class LoggerHook(int interval = 10, bool ignoreLast = true, int intervalExpName = 1000, bool logMetricByEpoch = true) : Hook
{

    public int Interval { get; } = interval > 0 ? interval : throw new KilnException($"LoggerHook.interval must be positive, got {interval}.");

    public bool IgnoreLast { get; } = ignoreLast;

    public int IntervalExpName { get; } = intervalExpName;

    public bool LogMetricByEpoch { get; } = logMetricByEpoch;

    public override int Priority => HookPriority.BelowNormal;

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        int length = runner.DataloaderLength("train");
        bool endOfEpoch = args.BatchIndex + 1 == length;
        if ((runner.Iter + 1) % IntervalExpName == 0 || endOfEpoch)
            runner.Logger.LogInformation("Exp name: {ExperimentName}", runner.ExperimentName);
        if ((args.BatchIndex + 1) % Interval != 0 && !(endOfEpoch && (!IgnoreLast || length <= Interval))) return;
        var (tag, line) = Processor(runner).GetLogAfterIter(runner, args.BatchIndex, "train");
        runner.Logger.LogInformation("{Line}", line);
        WriteScalars(runner, tag, runner.Iter + 1);
    }

    public override void AfterValIter(IRunnerContext runner, EvalIterArgs args)
    {
        if ((args.BatchIndex + 1) % Interval != 0) return;
        runner.Logger.LogInformation("{Line}", Processor(runner).GetLogAfterIter(runner, args.BatchIndex, "val").Line);
    }

    public override void AfterTestIter(IRunnerContext runner, EvalIterArgs args)
    {
        if ((args.BatchIndex + 1) % Interval != 0) return;
        runner.Logger.LogInformation("{Line}", Processor(runner).GetLogAfterIter(runner, args.BatchIndex, "test").Line);
    }

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        var (tag, line) = Processor(runner).GetLogAfterEpoch(runner, runner.DataloaderLength("val") - 1, "val");
        runner.Logger.LogInformation("{Line}", line);
        WriteScalars(runner, tag, LogMetricByEpoch && Processor(runner).ByEpoch ? runner.Epoch : runner.Iter);
    }

    public override void AfterTestEpoch(IRunnerContext runner, MetricsArgs args)
    {
        var (_, line) = Processor(runner).GetLogAfterEpoch(runner, runner.DataloaderLength("test") - 1, "test");
        runner.Logger.LogInformation("{Line}", line);
    }

    private static Logging.LogProcessor Processor(IRunnerContext runner) =>
        (runner as IHostRunnerContext)?.LogProcessor ?? throw new InvalidOperationException("LoggerHook needs the host's runner.");

    /// <summary>MMEngine: <c>runner.visualizer.add_scalars(tag, step, file_path=f'{timestamp}.json')</c>; LocalVisBackend writes one JSON line to both files.</summary>
    private static void WriteScalars(IRunnerContext runner, Dictionary<string, object> tag, int step) =>
        runner.Visualizer?.AddScalars(tag, step, runner.Timestamp + ".json");
}
