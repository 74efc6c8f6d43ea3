using System.Globalization;
using Kiln.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Kiln.Optim.Schedulers;

/// <summary>
/// MMEngine's <c>_ParamScheduler</c> (optim/scheduler/param_scheduler.py): adjusts one hyper-parameter of every
/// param group of an optimizer (or <see cref="OptimWrapper"/>) within the steps <c>[begin, end)</c>, in the chainable
/// form: each step computes the new value from the group's current one (<see cref="GetValue"/>), so schedulers over
/// the same parameter compose in list order. The constructor records <c>initial_{param}</c> in each group (unless a
/// scheduler already did) and steps once, applying the step-0 value at once, as MMEngine (SCHED-01, SCHED-05).
/// Not built: MMEngine's warnings about <c>scheduler.step()</c> before <c>optimizer.step()</c> (TorchSharp's
/// optimizer cannot be wrapped with a step counter).
/// </summary>
public abstract class ParamScheduler
{
    /// <summary>MMEngine's <c>INF = int(1e9)</c>, the default <c>end</c>.</summary>
    public const int Inf = 1_000_000_000;

    /// <summary>The state of the schedulers built before <see cref="Step()"/> is first called by the constructor.</summary>
    protected ParamScheduler(object optimizer, string paramName, int begin, int end, int lastStep, bool byEpoch, bool verbose)
    {
        Optimizer = optimizer;
        TypeName = GetType().Name;
        Groups = ParamGroupValues.Of(optimizer);
        ParamName = paramName;
        if (end <= begin)
            throw new KilnException($"end should be larger than begin, but got begin={begin}, end={end}.");
        Begin = begin;
        End = end;
        ByEpoch = byEpoch;
        if (lastStep < -1) throw new KilnException($"last_step must be -1 or a step index, got {lastStep}.");
        string initial = $"initial_{paramName}";
        if (lastStep == -1)
        {
            foreach (var group in Groups)
                if (!group.Contains(initial)) group[initial] = group[paramName];
        }
        else
        {
            for (int i = 0; i < Groups.Count; i++)
                if (!Groups[i].Contains(initial))
                    throw new KilnException($"param '{initial}' is not specified in param_groups[{i}] when resuming an optimizer (last_step={lastStep}).");
        }
        BaseValues = Groups.Select(g => g[initial]).ToList();
        LastStep = lastStep;
        GlobalStep = -1;
        Verbose = verbose;
    }

    /// <summary>The optimizer or optimizer wrapper whose param groups this scheduler adjusts.</summary>
    public object Optimizer { get; }

    /// <summary>The param groups, as MMEngine's <c>optimizer.param_groups</c>.</summary>
    protected IReadOnlyList<ParamGroupValues> Groups { get; }

    /// <summary>The key scheduled in each param group (<c>lr</c>, <c>momentum</c>, <c>weight_decay</c>, …).</summary>
    public string ParamName { get; private set; }

    public int Begin { get; private set; }

    public int End { get; private set; }

    /// <summary>Whether <see cref="Step()"/> is called once per epoch (else once per iteration).</summary>
    public bool ByEpoch { get; private set; }

    /// <summary>Steps taken inside <c>[begin, end)</c>, minus one (MMEngine's <c>last_step</c>).</summary>
    public int LastStep { get; protected set; }

    /// <summary>Every step taken, minus one (<c>_global_step</c>).</summary>
    public int GlobalStep { get; protected set; }

    public bool Verbose { get; private set; }

    /// <summary>The <c>initial_{param}</c> of each group when the scheduler was built (<c>base_values</c>).</summary>
    public IReadOnlyList<double> BaseValues { get; protected set; }

    /// <summary>The group values after the last step (<c>get_last_value()</c>).</summary>
    public IReadOnlyList<double> LastValue { get; protected set; } = [];

    /// <summary>Whether the state has <c>base_values</c> (ReduceOnPlateau's has not, as in MMEngine).</summary>
    protected virtual bool HasBaseValues => true;

    /// <summary>Whether <see cref="Step(IReadOnlyDictionary{string, double}?)"/> needs the validation metrics (ReduceOnPlateau).</summary>
    public virtual bool NeedValArgs => false;

    /// <summary>Where <c>verbose</c> messages go; the console when unset.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// MMEngine's <c>use_betas</c> of momentum schedulers: momentum is <c>betas[0]</c>. Null for other schedulers,
    /// which have no such attribute.
    /// </summary>
    public bool? UseBetas => IsMomentumScheduler ? Groups[0].UsesBetas : null;

    /// <summary>Whether this is one of the <c>*Momentum</c> schedulers (MMEngine's MomentumSchedulerMixin).</summary>
    protected virtual bool IsMomentumScheduler => false;

    /// <summary>The registered name the scheduler was built under (<c>StepLR</c>, …), or the class name.</summary>
    public string TypeName { get; internal set; }

    /// <summary>The value of every param group at the next step, computed from the current ones.</summary>
    protected abstract IReadOnlyList<double> GetValue();

    /// <summary>One step: inside <c>[begin, end)</c> the groups get <see cref="GetValue"/>.</summary>
    public virtual void Step()
    {
        GlobalStep++;
        if (Begin <= GlobalStep && GlobalStep < End)
        {
            LastStep++;
            var values = GetValue();
            for (int i = 0; i < Groups.Count && i < values.Count; i++)
            {
                Groups[i][ParamName] = values[i];
                PrintValue(i, values[i]);
            }
        }
        LastValue = Current();
    }

    /// <summary>Steps with validation metrics; only schedulers with <see cref="NeedValArgs"/> use them.</summary>
    public virtual void Step(IReadOnlyDictionary<string, double>? metrics) => Step();

    /// <summary>The scheduled value of every group now.</summary>
    protected List<double> Current() => Groups.Select(g => g[ParamName]).ToList();

    protected virtual void PrintValue(int group, double value)
    {
        if (!Verbose) return;
        string message = string.Create(CultureInfo.InvariantCulture, $"Adjusting parameter value of group {group} to {FormatE4(value)}.");
        if (Logger is { } logger) logger.LogInformation("{Message}", message);
        else Console.WriteLine(message);
    }

    /// <summary>Python's <c>{:.4e}</c>.</summary>
    protected static string FormatE4(double value) => value.ToString("0.0000e+00", CultureInfo.InvariantCulture);

    /// <summary>
    /// MMEngine's <c>state_dict()</c>: every attribute but the optimizer, under its Python name, as plain values
    /// (so <c>torch.load(weights_only=True)</c> reads it). Hyper-parameters are part of the state, as in MMEngine.
    /// </summary>
    public PyDict StateDict()
    {
        var state = new PyDict();
        if (UseBetas is { } useBetas) state["use_betas"] = useBetas;
        WriteHyperParameters(state);
        state["param_name"] = ParamName;
        state["begin"] = (long)Begin;
        state["end"] = (long)End;
        state["by_epoch"] = ByEpoch;
        if (HasBaseValues) state["base_values"] = BaseValues.Select(v => (object?)v).ToList();
        state["last_step"] = (long)LastStep;
        state["_global_step"] = (long)GlobalStep;
        state["verbose"] = Verbose;
        state["_last_value"] = LastValue.Select(v => (object?)v).ToList();
        return state;
    }

    /// <summary>MMEngine's <c>load_state_dict</c>: overwrites every attribute the dict has.</summary>
    /// <exception cref="KilnException">A value has the wrong type.</exception>
    public void LoadStateDict(PyDict state)
    {
        var reader = new StateReader(state, TypeName);
        ReadHyperParameters(reader);
        if (reader.Has("param_name")) ParamName = reader.String("param_name");
        if (reader.Has("begin")) Begin = reader.Int("begin");
        if (reader.Has("end")) End = reader.Int("end");
        if (reader.Has("by_epoch")) ByEpoch = reader.Bool("by_epoch");
        if (reader.Has("base_values")) BaseValues = reader.Doubles("base_values");
        if (reader.Has("last_step")) LastStep = reader.Int("last_step");
        if (reader.Has("_global_step")) GlobalStep = reader.Int("_global_step");
        if (reader.Has("verbose")) Verbose = reader.Bool("verbose");
        if (reader.Has("_last_value")) LastValue = reader.Doubles("_last_value");
    }

    /// <summary>Writes the subclass's own attributes, in MMEngine's order, before the base ones.</summary>
    protected virtual void WriteHyperParameters(PyDict state) { }

    /// <summary>Reads back what <see cref="WriteHyperParameters"/> wrote (only the keys present).</summary>
    protected virtual void ReadHyperParameters(StateReader state) { }

    /// <summary>Typed access to a scheduler state dict, with errors naming the key.</summary>
    protected internal sealed class StateReader(PyDict state, string owner)
    {
        public bool Has(string key) => state.ContainsKey(key);

        public object? Raw(string key) => state[key];

        public int Int(string key) => state[key] switch
        {
            long l => (int)l,
            int i => i,
            bool b => b ? 1 : 0,
            var v => throw Bad(key, v, "an int"),
        };

        public int? NullableInt(string key) => state[key] is null ? null : Int(key);

        public double Double(string key) => state[key] switch
        {
            double d => d,
            long l => l,
            int i => i,
            var v => throw Bad(key, v, "a number"),
        };

        public double? NullableDouble(string key) => state[key] is null ? null : Double(key);

        public bool Bool(string key) => state[key] is bool b ? b : throw Bad(key, state[key], "True or False");

        public string String(string key) => state[key] as string ?? throw Bad(key, state[key], "a string");

        public List<double> Doubles(string key) => state[key] is System.Collections.IEnumerable e and not string
            ? e.Cast<object?>().Select(v => v switch { double d => d, long l => l, int i => i, _ => throw Bad(key, v, "a list of numbers") }).ToList()
            : throw Bad(key, state[key], "a list of numbers");

        public List<int> Ints(string key) => Doubles(key).Select(d => (int)d).ToList();

        private KilnException Bad(string key, object? value, string expected) =>
            new($"the state of parameter scheduler {owner}: '{key}' = {Kiln.Config.ConfigFormatter.Format(value)} should be {expected}.");
    }

    internal static object? Num(double? value) => value is { } v ? v : null;
}
