using System.Globalization;
using Kiln.Config;
using Kiln.Hooks;
using Spectre.Console;

namespace Kiln.Progress;

/// <summary>
/// Live progress bars on an interactive terminal: one row per loop (train, val, test) with the loop's position,
/// percentage, ETA and, for training, the smoothed loss. Shown only when <see cref="ShouldShow"/> says so; with
/// output redirected (CI, services, files) nothing changes and the plain MMEngine log lines are all there is. While
/// the bars are live, the console log lines are written through the same console, above the bars.
/// </summary>
internal sealed class ProgressBars : Hook, IDisposable
{
    /// <summary>Weight of the newest loss in the smoothed loss shown beside the train bar (an exponential moving average).</summary>
    public const double LossSmoothing = 0.1;

    private readonly IAnsiConsole _console;
    private readonly Lock _lock = new();
    private Task? _render;
    private ProgressContext? _context;
    private ManualResetEventSlim? _stop;
    private ProgressTask? _train, _val, _test;
    private double? _loss;

    public ProgressBars(IAnsiConsole console) => _console = console;

    /// <summary>
    /// The decision: config <c>progress_bar</c> (default True; False, which <c>--no-progress</c> sets, turns the bars
    /// off) and whether stdout is an interactive terminal (not redirected, and <c>TERM</c> is not <c>dumb</c>).
    /// </summary>
    public static bool ShouldShow(object? progressBar, bool outputRedirected, string? term)
    {
        bool configured = progressBar switch
        {
            null => true,
            bool b => b,
            _ => throw new KilnException($"progress_bar = {ConfigFormatter.Format(progressBar)} must be True or False."),
        };
        return configured && !outputRedirected && !string.Equals(term, "dumb", StringComparison.Ordinal);
    }

    /// <summary>The smoothed loss shown now, or null before the first training iteration.</summary>
    public double? SmoothedLoss => _loss;

    /// <summary>A writer for the console log lines that prints them through the live display's console.</summary>
    public TextWriter LogWriter => new ConsoleLineWriter(_console);

    public override int Priority => HookPriority.Lowest;

    public override void BeforeTrainEpoch(IRunnerContext runner) => Train(runner).Description = Markup.Escape(Where(runner));

    private static string Where(IRunnerContext runner) =>
        (runner is Runner r ? r.TrainByEpoch : runner.MaxEpochs > 1)
            ? $"train epoch {runner.Epoch + 1}/{runner.MaxEpochs}"
            : $"train iter {runner.Iter + 1}/{runner.MaxIters}";

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if (args.Outputs.TryGetValue("loss", out double loss) && double.IsFinite(loss))
            _loss = _loss is { } previous ? previous + LossSmoothing * (loss - previous) : loss;
        var task = Train(runner);
        task.Value = runner.Iter + 1;
        string where = Where(runner);
        task.Description = Markup.Escape(_loss is { } l ? $"{where} loss {l.ToString("0.0000", CultureInfo.InvariantCulture)}" : where);
    }

    public override void BeforeValEpoch(IRunnerContext runner) => Reset(ref _val, "val", runner.DataloaderLength("val"));

    public override void AfterValIter(IRunnerContext runner, EvalIterArgs args) => _val?.Increment(1);

    public override void BeforeTestEpoch(IRunnerContext runner) => Reset(ref _test, "test", runner.DataloaderLength("test"));

    public override void AfterTestIter(IRunnerContext runner, EvalIterArgs args) => _test?.Increment(1);

    public override void AfterRun(IRunnerContext runner) => Stop();

    private ProgressTask Train(IRunnerContext runner)
    {
        if (_train is null)
        {
            var context = Start();
            _train = context.AddTask("train", maxValue: Math.Max(1, runner.MaxIters));
            _train.Value = runner.Iter;
        }
        return _train;
    }

    private void Reset(ref ProgressTask? task, string name, int length)
    {
        var context = Start();
        task ??= context.AddTask(name, maxValue: Math.Max(1, length));
        task.MaxValue = Math.Max(1, length);
        task.Value = 0;
    }

    /// <summary>Starts the live display on a background task, once; returns its context.</summary>
    private ProgressContext Start()
    {
        lock (_lock)
        {
            if (_context is not null) return _context;
            var ready = new ManualResetEventSlim();
            _stop = new ManualResetEventSlim();
            var stop = _stop;
            _render = Task.Run(() => _console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    _context = ctx;
                    ready.Set();
                    stop.Wait();
                    ctx.Refresh();
                }));
            ready.Wait();
            return _context!;
        }
    }

    /// <summary>Ends the live display (its last frame stays on screen).</summary>
    public void Stop()
    {
        Task? render;
        lock (_lock)
        {
            render = _render;
            _stop?.Set();
            _render = null;
            _context = null;
            _train = _val = _test = null;
        }
        render?.GetAwaiter().GetResult();
    }

    public void Dispose() => Stop();

    /// <summary>Writes whole lines through the Spectre console so they appear above the live bars.</summary>
    private sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                console.WriteLine(_line.ToString().TrimEnd('\r'), Style.Plain);
                _line.Clear();
            }
            else _line.Append(value);
        }

        public override void WriteLine(string? value)
        {
            _line.Append(value);
            Write('\n');
        }
    }
}
