using Kiln.Checkpoints;

namespace Kiln.Optim.Schedulers;

/// <summary>
/// MMEngine's <c>OneCycleParamScheduler</c> (the 1cycle policy; not chainable, learning rate only): from
/// <c>eta_max / div_factor</c> up to <c>eta_max</c> over <c>pct_start</c> of <c>total_steps</c> (default
/// <c>end - begin</c>), then down to <c>initial / final_div_factor</c>; <c>three_phase</c> comes back to the initial
/// value before the final descent. <c>anneal_strategy</c> is <c>'cos'</c> or <c>'linear'</c>.
/// </summary>
public class OneCycleParamScheduler : ParamScheduler
{
    private sealed record Phase(double EndStep, string StartKey, string EndKey);

    private List<Phase> _phases;

    public OneCycleParamScheduler(object optimizer, string paramName, IReadOnlyList<double> etaMax, int? totalSteps = null, double pctStart = 0.3,
        string annealStrategy = "cos", double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, int begin = 0, int end = Inf,
        int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, CheckLr(paramName), begin, end, lastStep, byEpoch, verbose)
    {
        EtaMax = etaMax.ToList();
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        if (totalSteps is { } total)
        {
            if (total <= 0) throw new KilnException($"Expected positive integer total_steps, but got {total}.");
            TotalSteps = total;
        }
        else TotalSteps = end - begin;
        if (pctStart < 0 || pctStart > 1) throw new KilnException($"Expected float between 0 and 1 pct_start, but got {pctStart}.");
        if (annealStrategy is not ("cos" or "linear"))
            throw new KilnException($"anneal_strategy must by one of \"cos\" or \"linear\", instead got '{annealStrategy}'.");
        AnnealStrategy = annealStrategy;
        string p = paramName;
        _phases = threePhase
            ?
            [
                new(pctStart * TotalSteps - 1, $"initial_{p}", $"max_{p}"),
                new(2 * pctStart * TotalSteps - 2, $"max_{p}", $"initial_{p}"),
                new(TotalSteps - 1, $"initial_{p}", $"min_{p}"),
            ]
            :
            [
                new(pctStart * TotalSteps - 1, $"initial_{p}", $"max_{p}"),
                new(TotalSteps - 1, $"max_{p}", $"min_{p}"),
            ];
        var maxValues = EtaMax.Count == 1 ? Enumerable.Repeat(EtaMax[0], Groups.Count).ToList() : EtaMax;
        if (maxValues.Count != Groups.Count)
            throw new KilnException($"expected {Groups.Count} values for max_{p}, got {maxValues.Count}.");
        if (lastStep == -1)
        {
            for (int i = 0; i < Groups.Count; i++)
            {
                Groups[i][$"initial_{p}"] = maxValues[i] / divFactor;
                Groups[i][$"max_{p}"] = maxValues[i];
                Groups[i][$"min_{p}"] = Groups[i][$"initial_{p}"] / finalDivFactor;
            }
            BaseValues = Groups.Select(g => g[$"initial_{p}"]).ToList();
        }
        Step();
    }

    private static string CheckLr(string paramName) => paramName == "lr" ? paramName
        : throw new KilnException($"OneCycle only works for learning rate updating, but got param_name as '{paramName}'.");

    /// <summary>The peak value, one for all groups or one per group.</summary>
    public IReadOnlyList<double> EtaMax { get; private set; }

    public double DivFactor { get; private set; }

    public double FinalDivFactor { get; private set; }

    public int TotalSteps { get; private set; }

    public string AnnealStrategy { get; private set; }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == "cos"
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    protected override IReadOnlyList<double> GetValue()
    {
        int stepNum = LastStep;
        if (stepNum > TotalSteps)
            throw new KilnException($"Tried to step {stepNum + 1} times. The specified number of total steps is {TotalSteps}.");
        var values = new List<double>(Groups.Count);
        foreach (var group in Groups)
        {
            double startStep = 0, value = double.NaN;
            for (int i = 0; i < _phases.Count; i++)
            {
                var phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Count - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    value = Anneal(group[phase.StartKey], group[phase.EndKey], pct);
                    break;
                }
                startStep = phase.EndStep;
            }
            values.Add(value);
        }
        return values;
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["eta_max"] = EtaMax.Count == 1 ? EtaMax[0] : EtaMax.Select(v => (object?)v).ToList();
        state["div_factor"] = DivFactor;
        state["final_div_factor"] = FinalDivFactor;
        state["total_steps"] = (long)TotalSteps;
        // MMEngine stores the bound anneal function (anneal_func), which only unpickles with MMEngine installed;
        // Kiln stores its name.
        state["anneal_strategy"] = AnnealStrategy;
        state["_schedule_phases"] = _phases.Select(ph => (object?)new PyDict
        {
            ["end_step"] = ph.EndStep,
            [$"start_{ParamName}"] = ph.StartKey,
            [$"end_{ParamName}"] = ph.EndKey,
        }).ToList();
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("eta_max")) EtaMax = state.Raw("eta_max") is System.Collections.IList ? state.Doubles("eta_max") : [state.Double("eta_max")];
        if (state.Has("div_factor")) DivFactor = state.Double("div_factor");
        if (state.Has("final_div_factor")) FinalDivFactor = state.Double("final_div_factor");
        if (state.Has("total_steps")) TotalSteps = state.Int("total_steps");
        if (state.Has("anneal_strategy")) AnnealStrategy = state.String("anneal_strategy") is "linear" ? "linear" : "cos";
        if (state.Has("_schedule_phases") && state.Raw("_schedule_phases") is System.Collections.IList phases)
        {
            _phases = phases.OfType<PyDict>().Select(d => new Phase(
                Convert.ToDouble(d["end_step"], System.Globalization.CultureInfo.InvariantCulture),
                (string)d.First(kv => kv.Key is string k && k.StartsWith("start_", StringComparison.Ordinal)).Value!,
                (string)d.First(kv => kv.Key is string k && k.StartsWith("end_", StringComparison.Ordinal) && k != "end_step").Value!)).ToList();
        }
    }
}
