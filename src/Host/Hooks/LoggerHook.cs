using System.Globalization;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>LoggerHook</c>: every <see cref="Interval"/> iterations writes the log line the
/// <c>LogProcessor</c> formats, and after each validation the epoch summary. Each logged tag also goes, as one
/// JSON line, to <c>&lt;log_dir&gt;/vis_data/scalars.json</c> and <c>&lt;timestamp&gt;.json</c>, as MMEngine's
/// <c>LocalVisBackend</c> writes them. With <c>out_dir</c>, after the run the log dir's files ending with one of
/// <c>out_suffix</c> are copied to <c>out_dir/&lt;work_dir's last folder&gt;/</c> (same relative paths) and, with
/// <c>keep_local=False</c>, removed from the log dir. <c>out_dir</c> is a local folder: remote storage backends are
/// not built.
/// </summary>
[Register(Registries.Hooks)]
public sealed class LoggerHook(int interval = 10, bool ignoreLast = true, int intervalExpName = 1000, bool logMetricByEpoch = true,
    string? outDir = null, object? outSuffix = null, bool keepLocal = true) : Hook
{
    /// <summary>MMEngine's default <c>out_suffix</c> (its <c>'yaml'</c> has no dot).</summary>
    public static readonly IReadOnlyList<string> DefaultOutSuffix = [".json", ".log", ".py", "yaml"];

    /// <summary>Where the logs are copied after the run (null: they stay in the log dir only).</summary>
    public string? OutDir { get; } = outDir is not null && outDir.Contains("://", StringComparison.Ordinal)
        ? throw new KilnException($"LoggerHook.out_dir '{outDir}' is a URI; only local folders are supported (remote storage backends are not built).")
        : outDir;

    /// <summary>The file endings copied to <see cref="OutDir"/>.</summary>
    public IReadOnlyList<string> OutSuffix { get; } = outSuffix switch
    {
        null => DefaultOutSuffix,
        string one => [one],
        IEnumerable<object?> many when many.All(m => m is string) => many.Cast<string>().ToList(),
        _ => throw new KilnException($"LoggerHook.out_suffix should be a string or a tuple of strings, but got {Config.ConfigFormatter.Format(outSuffix)}."),
    };

    public bool KeepLocal { get; } = keepLocal;

    private string? _outDir;

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

    /// <summary>MMEngine: the final out_dir is <c>out_dir</c> joined with the last folder of <c>work_dir</c>.</summary>
    public override void BeforeRun(IRunnerContext runner)
    {
        if (OutDir is null) return;
        _outDir = Path.Combine(OutDir, Path.GetFileName(Path.TrimEndingDirectorySeparator(runner.WorkDir)));
        runner.Logger.LogInformation("Text logs will be saved to {OutDir} after the training process.", _outDir);
    }

    /// <summary>
    /// MMEngine's <c>after_run</c>: copies the log dir's files with an <c>out_suffix</c> ending (recursively) to the
    /// out dir and, with <c>keep_local=False</c>, closes the log file and the local scalar files (a later line opens
    /// them again, as MMEngine's per-line open does) and removes the copied files. (MMEngine also closes the whole
    /// visualizer here; Kiln's LocalVisBackend flushes every line, so the copies are complete without it.)
    /// </summary>
    public override void AfterRun(IRunnerContext runner)
    {
        if (_outDir is null) return;
        var copied = new List<string>();
        foreach (string local in Directory.EnumerateFiles(runner.LogDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(runner.LogDir, local);
            if (!OutSuffix.Any(suffix => relative.EndsWith(suffix, StringComparison.Ordinal))) continue;
            string target = Path.Combine(_outDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(local, target, overwrite: true);
            copied.Add(local);
            runner.Logger.LogInformation("The file {Local} has been uploaded to {Target}.", local, target);
        }
        if (KeepLocal) return;
        (runner as IHostRunnerContext)?.CloseLogFile();
        foreach (var (_, backend) in runner.Visualizer?.Backends ?? [])
            if (backend is Visualization.LocalVisBackend local) local.Close();
        foreach (string local in copied) File.Delete(local);
    }

    private static Logging.LogProcessor Processor(IRunnerContext runner) =>
        (runner as IHostRunnerContext)?.LogProcessor ?? throw new InvalidOperationException("LoggerHook needs the host's runner.");

    /// <summary>MMEngine: <c>runner.visualizer.add_scalars(tag, step, file_path=f'{timestamp}.json')</c>; LocalVisBackend writes one JSON line to both files.</summary>
    private static void WriteScalars(IRunnerContext runner, Dictionary<string, object> tag, int step) =>
        runner.Visualizer?.AddScalars(tag, step, runner.Timestamp + ".json");
}
