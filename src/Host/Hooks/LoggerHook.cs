using System.Globalization;
using System.Text.Json;
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
    private readonly Dictionary<string, StreamWriter> _scalarWriters = new(StringComparer.Ordinal);

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

    /// <summary>Closes the scalar files at the end of a run (they are reopened, appending, by the next one).</summary>
    public override void AfterRun(IRunnerContext runner)
    {
        foreach (var writer in _scalarWriters.Values) writer.Dispose();
        _scalarWriters.Clear();
    }

    /// <summary>
    /// One JSON line per tag, with <c>step</c>, appended to both of LocalVisBackend's files. MMEngine opens and closes
    /// both files on every call; Kiln keeps them open (appending, flushed per line) until the run ends, so a logged
    /// iteration costs no file opens.
    /// </summary>
    private void WriteScalars(IRunnerContext runner, Dictionary<string, object> tag, int step)
    {
        if ((runner as IHostRunnerContext)?.ScalarSaveFile is not { } scalarFile) return;
        tag["step"] = step;
        string json = JsonSerializer.Serialize(tag, ScalarJson.Options);
        tag.Remove("step");
        string dir = Path.Combine(runner.LogDir, "vis_data");
        Writer(Path.Combine(dir, scalarFile)).WriteLine(json);
        Writer(Path.Combine(dir, runner.Timestamp + ".json")).WriteLine(json);
    }

    private StreamWriter Writer(string path)
    {
        if (_scalarWriters.TryGetValue(path, out var writer)) return writer;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true, NewLine = "\n" };
        _scalarWriters[path] = writer;
        return writer;
    }

    private static class ScalarJson
    {
        public static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    }
}
