using Kiln.Checkpoints;

namespace Kiln.Optim.Schedulers;

/// <summary>MMEngine's <c>StepParamScheduler</c>: multiplies by <c>gamma</c> every <c>step_size</c> steps.</summary>
public class StepParamScheduler : ParamScheduler
{
    public StepParamScheduler(object optimizer, string paramName, int stepSize, double gamma = 0.1, int begin = 0, int end = Inf,
        int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        StepSize = stepSize;
        Gamma = gamma;
        Step();
    }

    public int StepSize { get; private set; }

    public double Gamma { get; private set; }

    protected override IReadOnlyList<double> GetValue() =>
        LastStep == 0 || LastStep % StepSize != 0 ? Current() : Current().Select(v => v * Gamma).ToList();

    protected override void WriteHyperParameters(PyDict state)
    {
        state["step_size"] = (long)StepSize;
        state["gamma"] = Gamma;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("step_size")) StepSize = state.Int("step_size");
        if (state.Has("gamma")) Gamma = state.Double("gamma");
    }
}

/// <summary>MMEngine's <c>MultiStepParamScheduler</c>: multiplies by <c>gamma</c> (per repeat) at each milestone.</summary>
public class MultiStepParamScheduler : ParamScheduler
{
    public MultiStepParamScheduler(object optimizer, string paramName, IReadOnlyList<int> milestones, double gamma = 0.1, int lastStep = -1,
        int begin = 0, int end = Inf, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        Milestones = Count(milestones);
        Gamma = gamma;
        Step();
    }

    /// <summary>Milestone → how often it was given (Python's <c>Counter(milestones)</c>).</summary>
    public IReadOnlyDictionary<int, int> Milestones { get; private set; }

    public double Gamma { get; private set; }

    private static Dictionary<int, int> Count(IEnumerable<int> milestones)
    {
        var counter = new Dictionary<int, int>();
        foreach (var m in milestones) counter[m] = counter.GetValueOrDefault(m) + 1;
        return counter;
    }

    protected override IReadOnlyList<double> GetValue() =>
        Milestones.TryGetValue(LastStep, out int n) ? Current().Select(v => v * Math.Pow(Gamma, n)).ToList() : Current();

    protected override void WriteHyperParameters(PyDict state)
    {
        var counter = new PyDict();
        foreach (var (m, n) in Milestones) counter[(long)m] = (long)n;
        state["milestones"] = counter;
        state["gamma"] = Gamma;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("milestones"))
        {
            Milestones = state.Raw("milestones") switch
            {
                PyDict d => d.ToDictionary(kv => Convert.ToInt32(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv => Convert.ToInt32(kv.Value, System.Globalization.CultureInfo.InvariantCulture)),
                _ => Count(state.Ints("milestones")),
            };
        }
        if (state.Has("gamma")) Gamma = state.Double("gamma");
    }
}

/// <summary>MMEngine's <c>ConstantParamScheduler</c>: multiplies by <c>factor</c> until <c>end</c>, then restores.</summary>
public class ConstantParamScheduler : ParamScheduler
{
    public ConstantParamScheduler(object optimizer, string paramName, double factor = 1.0 / 3, int begin = 0, int end = Inf,
        int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        if (factor > 1.0 || factor < 0)
            throw new KilnException($"Constant multiplicative factor should between 0 and 1, got factor={factor}.");
        Factor = factor;
        TotalIters = end - begin - 1;
        Step();
    }

    public double Factor { get; private set; }

    public int TotalIters { get; private set; }

    protected override IReadOnlyList<double> GetValue()
    {
        if (LastStep == 0) return Current().Select(v => v * Factor).ToList();
        if (LastStep > TotalIters || LastStep != TotalIters) return Current();
        return Current().Select(v => v * (1.0 / Factor)).ToList();
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["factor"] = Factor;
        state["total_iters"] = (long)TotalIters;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("factor")) Factor = state.Double("factor");
        if (state.Has("total_iters")) TotalIters = state.Int("total_iters");
    }
}

/// <summary>MMEngine's <c>ExponentialParamScheduler</c>: multiplies by <c>gamma</c> every step.</summary>
public class ExponentialParamScheduler : ParamScheduler
{
    public ExponentialParamScheduler(object optimizer, string paramName, double gamma, int begin = 0, int end = Inf,
        int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        Gamma = gamma;
        Step();
    }

    public double Gamma { get; private set; }

    protected override IReadOnlyList<double> GetValue() => LastStep == 0 ? Current() : Current().Select(v => v * Gamma).ToList();

    protected override void WriteHyperParameters(PyDict state) => state["gamma"] = Gamma;

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("gamma")) Gamma = state.Double("gamma");
    }
}

/// <summary>
/// MMEngine's <c>CosineAnnealingParamScheduler</c> (SGDR without restarts) in its recursive form; <c>T_max</c>
/// defaults to <c>end - begin</c>; the minimum is <c>eta_min</c> (default 0) or <c>eta_min_ratio</c> × the base value.
/// </summary>
public class CosineAnnealingParamScheduler : ParamScheduler
{
    public CosineAnnealingParamScheduler(object optimizer, string paramName, int? tMax = null, double? etaMin = null, int begin = 0,
        int end = Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false, double? etaMinRatio = null)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        if (etaMin is null && etaMinRatio is null) etaMin = 0;
        if (etaMin is not null && etaMinRatio is not null)
            throw new KilnException($"Either `eta_min` or `eta_min_ratio` should be specified, not both (eta_min={etaMin}, eta_min_ratio={etaMinRatio}).");
        TMax = tMax is null or 0 ? end - begin : tMax.Value;
        EtaMin = etaMin;
        EtaMinRatio = etaMinRatio;
        Step();
    }

    public int TMax { get; private set; }

    public double? EtaMin { get; private set; }

    public double? EtaMinRatio { get; private set; }

    private double MinFor(double baseValue) => EtaMinRatio is { } r ? baseValue * r : EtaMin!.Value;

    protected override IReadOnlyList<double> GetValue()
    {
        var current = Current();
        if (LastStep == 0) return current;
        var values = new List<double>(current.Count);
        bool restartEdge = PyMod(LastStep - 1 - TMax, 2 * TMax) == 0;
        for (int i = 0; i < current.Count; i++)
        {
            double min = MinFor(BaseValues[i]);
            values.Add(restartEdge
                ? current[i] + (BaseValues[i] - min) * (1 - Math.Cos(Math.PI / TMax)) / 2
                : (1 + Math.Cos(Math.PI * LastStep / TMax)) / (1 + Math.Cos(Math.PI * (LastStep - 1) / TMax)) * (current[i] - min) + min);
        }
        return values;
    }

    /// <summary>Python's <c>%</c>: the result has the divisor's sign.</summary>
    internal static long PyMod(long a, long b) => ((a % b) + b) % b;

    protected override void WriteHyperParameters(PyDict state)
    {
        state["T_max"] = (long)TMax;
        state["eta_min"] = Num(EtaMin);
        state["eta_min_ratio"] = Num(EtaMinRatio);
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("T_max")) TMax = state.Int("T_max");
        if (state.Has("eta_min")) EtaMin = state.NullableDouble("eta_min");
        if (state.Has("eta_min_ratio")) EtaMinRatio = state.NullableDouble("eta_min_ratio");
    }
}

/// <summary>
/// MMEngine's <c>LinearParamScheduler</c>: the multiplier moves linearly from <c>start_factor</c> to
/// <c>end_factor</c> over <c>[begin, end)</c> (recursive form).
/// </summary>
public class LinearParamScheduler : ParamScheduler
{
    public LinearParamScheduler(object optimizer, string paramName, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0,
        int end = Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        if (startFactor > 1.0 || startFactor < 0)
            throw new KilnException($"Starting multiplicative factor should between 0 and 1, got start_factor={startFactor}.");
        if (endFactor > 1.0 || endFactor < 0)
            throw new KilnException($"Ending multiplicative factor should between 0 and 1, got end_factor={endFactor}.");
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = end - begin - 1;
        Step();
    }

    public double StartFactor { get; private set; }

    public double EndFactor { get; private set; }

    public int TotalIters { get; private set; }

    protected override IReadOnlyList<double> GetValue()
    {
        if (LastStep == 0) return Current().Select(v => v * StartFactor).ToList();
        double multiplier = 1.0 + (EndFactor - StartFactor) / (TotalIters * StartFactor + (LastStep - 1) * (EndFactor - StartFactor));
        return Current().Select(v => v * multiplier).ToList();
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["start_factor"] = StartFactor;
        state["end_factor"] = EndFactor;
        state["total_iters"] = (long)TotalIters;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("start_factor")) StartFactor = state.Double("start_factor");
        if (state.Has("end_factor")) EndFactor = state.Double("end_factor");
        if (state.Has("total_iters")) TotalIters = state.Int("total_iters");
    }
}

/// <summary>MMEngine's <c>PolyParamScheduler</c>: polynomial decay to <c>eta_min</c> over <c>[begin, end)</c>.</summary>
public class PolyParamScheduler : ParamScheduler
{
    public PolyParamScheduler(object optimizer, string paramName, double etaMin = 0, double power = 1.0, int begin = 0, int end = Inf,
        int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        EtaMin = etaMin;
        Power = power;
        TotalIters = end - begin - 1;
        Step();
    }

    public double EtaMin { get; private set; }

    public double Power { get; private set; }

    public int TotalIters { get; private set; }

    protected override IReadOnlyList<double> GetValue()
    {
        if (LastStep == 0) return Current();
        double factor = Math.Pow(1 - 1.0 / (TotalIters - LastStep + 1), Power);
        return Current().Select(v => (v - EtaMin) * factor + EtaMin).ToList();
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["eta_min"] = EtaMin;
        state["power"] = Power;
        state["total_iters"] = (long)TotalIters;
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("eta_min")) EtaMin = state.Double("eta_min");
        if (state.Has("power")) Power = state.Double("power");
        if (state.Has("total_iters")) TotalIters = state.Int("total_iters");
    }
}

/// <summary>
/// MMEngine's <c>CosineRestartParamScheduler</c>: cosine annealing over each of <c>periods</c>, restarting from the
/// base value × <c>restart_weights[i]</c>; the minimum is <c>eta_min</c> or <c>eta_min_ratio</c> × the base value
/// (exactly one of them).
/// </summary>
public class CosineRestartParamScheduler : ParamScheduler
{
    public CosineRestartParamScheduler(object optimizer, string paramName, IReadOnlyList<int> periods, IReadOnlyList<double>? restartWeights = null,
        double? etaMin = null, double? etaMinRatio = null, int begin = 0, int end = Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
        : base(optimizer, paramName, begin, end, lastStep, byEpoch, verbose)
    {
        if ((etaMin is null) == (etaMinRatio is null))
            throw new KilnException("CosineRestart: give exactly one of `eta_min` and `eta_min_ratio`.");
        restartWeights ??= [1.0];
        if (periods.Count != restartWeights.Count)
            throw new KilnException($"periods and restart_weights should have the same length, got {periods.Count} and {restartWeights.Count}.");
        Periods = periods.ToList();
        RestartWeights = restartWeights.ToList();
        EtaMin = etaMin;
        EtaMinRatio = etaMinRatio;
        CumulativePeriods = Cumulate(Periods);
        Step();
    }

    public IReadOnlyList<int> Periods { get; private set; }

    public IReadOnlyList<double> RestartWeights { get; private set; }

    public double? EtaMin { get; private set; }

    public double? EtaMinRatio { get; private set; }

    public IReadOnlyList<int> CumulativePeriods { get; private set; }

    private static List<int> Cumulate(IReadOnlyList<int> periods)
    {
        var result = new List<int>(periods.Count);
        int sum = 0;
        foreach (var p in periods) result.Add(sum += p);
        return result;
    }

    /// <summary>The index of the first cumulative period above <paramref name="iteration"/>, or null past them all.</summary>
    public static int? PositionFromPeriods(int iteration, IReadOnlyList<int> cumulativePeriods)
    {
        for (int i = 0; i < cumulativePeriods.Count; i++)
            if (iteration < cumulativePeriods[i]) return i;
        return null;
    }

    protected override IReadOnlyList<double> GetValue()
    {
        var current = Current();
        if (PositionFromPeriods(LastStep, CumulativePeriods) is not { } idx) return current;
        double weight = RestartWeights[idx];
        int nearestRestart = idx == 0 ? 0 : CumulativePeriods[idx - 1];
        int period = Periods[idx];
        int step = LastStep - nearestRestart;
        var values = new List<double>(current.Count);
        for (int i = 0; i < current.Count; i++)
        {
            double etaMax = BaseValues[i] * weight;
            double etaMin = EtaMinRatio is { } r ? BaseValues[i] * r : EtaMin!.Value;
            values.Add(step == 0 ? etaMax
                : (1 + Math.Cos(Math.PI * step / period)) / (1 + Math.Cos(Math.PI * (step - 1) / period)) * (current[i] - etaMin) + etaMin);
        }
        return values;
    }

    protected override void WriteHyperParameters(PyDict state)
    {
        state["periods"] = Periods.Select(p => (object?)(long)p).ToList();
        state["eta_min"] = Num(EtaMin);
        state["eta_min_ratio"] = Num(EtaMinRatio);
        state["restart_weights"] = RestartWeights.Select(w => (object?)w).ToList();
        state["cumulative_periods"] = CumulativePeriods.Select(p => (object?)(long)p).ToList();
    }

    protected override void ReadHyperParameters(StateReader state)
    {
        if (state.Has("periods")) Periods = state.Ints("periods");
        if (state.Has("eta_min")) EtaMin = state.NullableDouble("eta_min");
        if (state.Has("eta_min_ratio")) EtaMinRatio = state.NullableDouble("eta_min_ratio");
        if (state.Has("restart_weights")) RestartWeights = state.Doubles("restart_weights");
        if (state.Has("cumulative_periods")) CumulativePeriods = state.Ints("cumulative_periods");
    }
}
