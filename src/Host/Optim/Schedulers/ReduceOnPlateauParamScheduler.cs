using System.Globalization;
using Kiln.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Kiln.Optim.Schedulers;

/// <summary>
/// MMEngine's <c>ReduceOnPlateauParamScheduler</c> (PyTorch's ReduceLROnPlateau with MMEngine's names): after each
/// validation, when the <c>monitor</c>ed metric has not improved (by <c>threshold</c>, <c>rel</c> or <c>abs</c>, in
/// the direction of <c>rule</c>) for more than <c>patience</c> validations, multiplies by <c>factor</c> (not below
/// <c>min_value</c>), then waits <c>cooldown</c> validations. Epoch-based only. It does not step at construction;
/// a step without metrics only counts (<c>_global_step</c>), as MMEngine.
/// </summary>
public class ReduceOnPlateauParamScheduler : ParamScheduler
{
    public ReduceOnPlateauParamScheduler(object optimizer, string paramName, string monitor = "loss", string rule = "less", double factor = 0.1,
        int patience = 10, double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, IReadOnlyList<double>? minValue = null,
        double eps = 1e-8, int begin = 0, int end = Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        if (!byEpoch) throw new KilnException($"Now {GetType().Name} only support by_epoch=True.");
        GlobalStep = 0;
        if (factor >= 1.0) throw new KilnException($"Factor should be < 1.0, got factor={factor}.");
        Factor = factor;
        minValue ??= [0.0];
        if (minValue.Count == 1) MinValues = Enumerable.Repeat(minValue[0], Groups.Count).ToList();
        else if (minValue.Count != Groups.Count) throw new KilnException($"expected {Groups.Count} min_lrs, got {minValue.Count}.");
        else MinValues = minValue.ToList();
        Patience = patience;
        Cooldown = cooldown;
        Eps = eps;
        Monitor = monitor;
        if (threshold < 0) throw new KilnException($"threshold {threshold} should be >= 0.");
        if (rule is not ("less" or "greater")) throw new KilnException($"mode {rule} is unknown! rule must be 'less' or 'greater'.");
        if (thresholdRule is not ("rel" or "abs")) throw new KilnException($"threshold mode {thresholdRule} is unknown! threshold_rule must be 'rel' or 'abs'.");
        Rule = rule;
        Threshold = threshold;
        ThresholdRule = thresholdRule;
        RuleWorse = rule == "less" ? Inf : -Inf;
        Best = RuleWorse;
        CooldownCounter = 0;
        NumBadEpochs = 0;
        LastValue = Current();
    }

    public override bool NeedValArgs => true;

    protected override bool HasBaseValues => false;

    public double Factor { get; private set; }

    public IReadOnlyList<double> MinValues { get; private set; } = [];

    public int Patience { get; private set; }

    public int Cooldown { get; private set; }

    public int CooldownCounter { get; private set; }

    public double RuleWorse { get; private set; }

    public double Best { get; private set; }

    public int NumBadEpochs { get; private set; }

    public double Eps { get; private set; }

    public string Monitor { get; private set; }

    public string Rule { get; private set; }

    public double Threshold { get; private set; }

    public string ThresholdRule { get; private set; }

    /// <summary>Without metrics (after a training epoch) a step only counts.</summary>
    public override void Step() => GlobalStep++;

    /// <summary>After validation: compares <paramref name="metrics"/>[<see cref="Monitor"/>] with the best so far.</summary>
    /// <exception cref="KilnException">The metrics lack the monitored key.</exception>
    public override void Step(IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is null)
        {
            Step();
            return;
        }
        if (Begin <= GlobalStep && GlobalStep < End)
        {
            LastStep++;
            if (!metrics.TryGetValue(Monitor, out double metric))
                throw new KilnException($"Excepted key in [{string.Join(", ", metrics.Keys.Select(k => $"'{k}'"))}], but got key {Monitor} is not in dict (ReduceOnPlateau's monitor).");
            if (IsBetter(metric, Best))
            {
                Best = metric;
                NumBadEpochs = 0;
            }
            else NumBadEpochs++;
            if (CooldownCounter > 0)
            {
                CooldownCounter--;
                NumBadEpochs = 0;
            }
            if (NumBadEpochs > Patience)
            {
                var values = GetValue();
                for (int i = 0; i < Groups.Count; i++)
                {
                    if (Groups[i][ParamName] - values[i] > Eps)
                    {
                        Groups[i][ParamName] = values[i];
                        PrintValue(i, values[i]);
                    }
                }
                CooldownCounter = Cooldown;
                NumBadEpochs = 0;
            }
        }
        LastValue = Current();
    }

    protected override IReadOnlyList<double> GetValue() =>
        Current().Select((v, i) => Math.Max(v * Factor, MinValues[i])).ToList();

    private bool IsBetter(double a, double best) => (Rule, ThresholdRule) switch
    {
        ("less", "rel") => a < best * (1.0 - Threshold),
        ("less", _) => a < best - Threshold,
        (_, "rel") => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    protected override void PrintValue(int group, double value)
    {
        if (!Verbose) return;
        string message = string.Create(CultureInfo.InvariantCulture,
            $"Adjusting parameter value of group {group} to {FormatE4(value)} in {(ByEpoch ? "epoch" : "iter")} {LastStep}.");
        if (Logger is { } logger) logger.LogInformation("{Message}", message);
        else Console.WriteLine(message);
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["factor"] = Factor;
        state["min_values"] = MinValues.Select(v => (object?)v).ToList();
        state["patience"] = (long)Patience;
        state["cooldown"] = (long)Cooldown;
        state["cooldown_counter"] = (long)CooldownCounter;
        state["rule_worse"] = RuleWorse;
        state["best"] = Best;
        state["num_bad_epochs"] = (long)NumBadEpochs;
        state["eps"] = Eps;
        state["monitor"] = Monitor;
        state["rule"] = Rule;
        state["threshold"] = Threshold;
        state["threshold_rule"] = ThresholdRule;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("factor")) Factor = state.Double("factor");
        if (state.Has("min_values")) MinValues = state.Doubles("min_values");
        if (state.Has("patience")) Patience = state.Int("patience");
        if (state.Has("cooldown")) Cooldown = state.Int("cooldown");
        if (state.Has("cooldown_counter")) CooldownCounter = state.Int("cooldown_counter");
        if (state.Has("rule_worse")) RuleWorse = state.Double("rule_worse");
        if (state.Has("best")) Best = state.Double("best");
        if (state.Has("num_bad_epochs")) NumBadEpochs = state.Int("num_bad_epochs");
        if (state.Has("eps")) Eps = state.Double("eps");
        if (state.Has("monitor")) Monitor = state.String("monitor");
        if (state.Has("rule")) Rule = state.String("rule");
        if (state.Has("threshold")) Threshold = state.Double("threshold");
        if (state.Has("threshold_rule")) ThresholdRule = state.String("threshold_rule");
    }
}
