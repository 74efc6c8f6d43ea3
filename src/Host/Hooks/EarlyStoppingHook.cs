using System.Globalization;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>EarlyStoppingHook</c> (HOOK-12): after each validation, compares the <c>monitor</c> metric with the
/// best score so far and stops training (<see cref="IRunnerContext.RequestStop"/>) when it has not improved by more
/// than <c>min_delta</c> for <c>patience</c> validations, when it reaches <c>stopping_threshold</c>, or (with
/// <c>check_finite</c>) when it is NaN or infinite. <c>rule</c> ('greater' or 'less') is inferred from the metric
/// name when not given: an exact match (any case) of 'acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU',
/// 'mAcc', 'aAcc' means greater, 'loss' means less; then a name containing one of them. A missing metric is skipped
/// with a warning, or is an error with <c>strict=True</c>.
/// </summary>
[Register(Registries.Hooks)]
public sealed class EarlyStoppingHook : Hook
{
    private static readonly string[] GreaterKeys = ["acc", "top", "ar@", "auc", "precision", "map", "mdice", "miou", "macc", "aacc"];
    private static readonly string[] LessKeys = ["loss"];

    public EarlyStoppingHook(string monitor, string? rule = null, double minDelta = 0.1, bool strict = false, bool checkFinite = true,
        int patience = 5, double? stoppingThreshold = null)
    {
        Monitor = monitor ?? throw new KilnException("EarlyStoppingHook needs monitor, the metric key to watch, e.g. monitor='accuracy/top1'.");
        if (rule is not null && rule is not ("greater" or "less"))
            throw new KilnException($"EarlyStoppingHook.rule = '{rule}' is not valid; valid values: 'greater', 'less'.");
        Rule = rule ?? InferRule(monitor);
        MinDelta = Rule == "greater" ? minDelta : -minDelta;
        Strict = strict;
        CheckFinite = checkFinite;
        Patience = patience;
        StoppingThreshold = stoppingThreshold;
        BestScore = Rule == "greater" ? double.NegativeInfinity : double.PositiveInfinity;
    }

    public override int Priority => HookPriority.Lowest;

    public string Monitor { get; }

    /// <summary>'greater' or 'less'.</summary>
    public string Rule { get; }

    /// <summary>The minimum improvement, signed as MMEngine keeps it: negative for the 'less' rule.</summary>
    public double MinDelta { get; }

    public bool Strict { get; }

    public bool CheckFinite { get; }

    public int Patience { get; }

    public double? StoppingThreshold { get; }

    /// <summary>The best score seen (−∞ for 'greater' and +∞ for 'less' before the first validation).</summary>
    public double BestScore { get; private set; }

    /// <summary>Validations in a row without an improvement.</summary>
    public int WaitCount { get; private set; }

    private static string InferRule(string monitor)
    {
        string lc = monitor.ToLowerInvariant();
        if (GreaterKeys.Contains(lc)) return "greater";
        if (LessKeys.Contains(lc)) return "less";
        if (GreaterKeys.Any(k => lc.Contains(k, StringComparison.Ordinal))) return "greater";
        if (LessKeys.Any(k => lc.Contains(k, StringComparison.Ordinal))) return "less";
        throw new KilnException($"EarlyStoppingHook cannot infer the rule for monitor '{monitor}'; set rule='greater' or rule='less'.");
    }

    private bool Better(double x, double y) => Rule == "greater" ? x > y : x < y;

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(args);
        if (!args.Metrics.TryGetValue(Monitor, out double current))
        {
            string available = string.Join(", ", args.Metrics.Keys.Select(k => $"'{k}'"));
            if (Strict)
                throw new KilnException($"Early stopping conditioned on metric '{Monitor}' is not available. Please check available metrics [{available}], or set strict=False in EarlyStoppingHook.");
            runner.Logger.LogWarning("Skip early stopping process since the evaluation results ([{Keys}]) do not include `monitor` ({Monitor}).", available, Monitor);
            return;
        }
        if (CheckStop(current) is { } message)
        {
            runner.RequestStop();
            runner.Logger.LogInformation("{Message}", message);
        }
    }

    /// <summary>MMEngine's <c>_check_stop_condition</c>: the reason to stop, or null to go on.</summary>
    internal string? CheckStop(double current)
    {
        if (CheckFinite && !double.IsFinite(current))
            return $"Monitored metric {Monitor} = {Py(current)} is infinite. Previous best value was {F3(BestScore)}.";
        if (StoppingThreshold is { } threshold && Better(current, threshold))
        {
            BestScore = current;
            return $"Stopping threshold reached: `{Monitor}` = {Py(current)} is {Rule} than {Py(threshold)}.";
        }
        if (Better(BestScore + MinDelta, current))
        {
            WaitCount++;
            return WaitCount >= Patience
                ? $"the monitored metric did not improve in the last {WaitCount} records. best score: {F3(BestScore)}. "
                : null;
        }
        BestScore = current;
        WaitCount = 0;
        return null;
    }

    private static string F3(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : Py(v);

    private static string Py(double v) => double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf"
        : v == Math.Floor(v) && Math.Abs(v) < 1e16 ? v.ToString("F1", CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture);
}
