using System.Globalization;
using System.Reflection;
using Kiln.Config;
using Kiln.Registry;

namespace Kiln.Optim.Schedulers;

/// <summary>
/// Registers the parameter schedulers in PARAM_SCHEDULERS under MMEngine's names: for each family
/// (<c>Constant</c>, <c>Linear</c>, <c>Step</c>, <c>MultiStep</c>, <c>Exponential</c>, <c>CosineAnnealing</c>, <c>Poly</c>,
/// <c>OneCycle</c>, <c>CosineRestart</c>, <c>ReduceOnPlateau</c>) the learning-rate form (<c>StepLR</c>), the momentum
/// form (<c>StepMomentum</c>; MMEngine has no <c>OneCycleMomentum</c>) and the generic form
/// (<c>StepParamScheduler</c>, with <c>param_name</c>), taking MMEngine's argument names (<c>T_max</c>,
/// <c>eta_min_ratio</c>, …). The builder passes <c>optimizer</c> and, from the Runner, <c>epoch_length</c>; as in
/// MMEngine's <c>build_scheduler_from_cfg</c>, <c>convert_to_iter_based=True</c> builds the iteration-based
/// equivalent of an epoch-based config (<c>build_iter_from_epoch</c>: begin, end and the family's step counts
/// multiplied by the epoch length) (SCHED-02..09).
/// </summary>
public static class SchedulerFactories
{
    private enum Family { Constant, Linear, Step, MultiStep, Exponential, CosineAnnealing, Poly, OneCycle, CosineRestart, ReduceOnPlateau }

    private enum Kind { Lr, Momentum, Param }

    internal static void Register(IPluginRegistrar registrar)
    {
        foreach (var family in Enum.GetValues<Family>())
        {
            foreach (var kind in Enum.GetValues<Kind>())
            {
                if (family == Family.OneCycle && kind == Kind.Momentum) continue;
                string name = NameOf(family, kind);
                registrar.Register(Registries.ParamSchedulers, name, (_, args) => Build(name, family, kind, args));
            }
        }
    }

    private static string NameOf(Family family, Kind kind) => family + kind switch
    {
        Kind.Lr => "LR",
        Kind.Momentum => "Momentum",
        _ => "ParamScheduler",
    };

    /// <summary>Every name registered, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<Family>()
        .SelectMany(f => Enum.GetValues<Kind>().Where(k => !(f == Family.OneCycle && k == Kind.Momentum)).Select(k => NameOf(f, k))).ToList();

    private static ParamScheduler Build(string name, Family family, Kind kind, ConfigDict config)
    {
        var args = new ConfigDict(config);
        var optimizer = args.Pop("optimizer") ?? throw new KilnException($"param_scheduler ({name}): no optimizer to schedule; the Runner passes its optimizer wrapper.");
        var epochLength = args.Pop("epoch_length");
        var convert = args.Pop("convert_to_iter_based");
        if (convert is not (null or bool))
            throw new KilnException($"param_scheduler ({name}).convert_to_iter_based = {ConfigFormatter.Format(convert)} must be True or False.");
        if (convert is true) ConvertToIterBased(name, family, args, epochLength);

        var r = new ArgReader(args, name);
        string paramName = kind switch
        {
            Kind.Lr => "lr",
            Kind.Momentum => "momentum",
            _ => r.String("param_name", null),
        };
        int begin = r.Int("begin", 0), end = r.Int("end", ParamScheduler.Inf), lastStep = r.Int("last_step", -1);
        bool byEpoch = r.Bool("by_epoch", true), verbose = r.Bool("verbose", false);
        // The generic constructor's arguments, in order; the LR and Momentum classes take the same without param_name.
        object?[] ctorArgs = family switch
        {
            Family.Constant => [optimizer, paramName, r.Double("factor", 1.0 / 3), begin, end, lastStep, byEpoch, verbose],
            Family.Linear => [optimizer, paramName, r.Double("start_factor", 1.0 / 3), r.Double("end_factor", 1.0), begin, end, lastStep, byEpoch, verbose],
            Family.Step => [optimizer, paramName, r.Int("step_size", null), r.Double("gamma", 0.1), begin, end, lastStep, byEpoch, verbose],
            Family.MultiStep => [optimizer, paramName, r.Ints("milestones"), r.Double("gamma", 0.1), lastStep, begin, end, byEpoch, verbose],
            Family.Exponential => [optimizer, paramName, r.Double("gamma", null), begin, end, lastStep, byEpoch, verbose],
            Family.CosineAnnealing => [optimizer, paramName, r.NullableInt("T_max"), r.NullableDouble("eta_min"), begin, end, lastStep, byEpoch, verbose, r.NullableDouble("eta_min_ratio")],
            Family.Poly => [optimizer, paramName, r.Double("eta_min", 0), r.Double("power", 1.0), begin, end, lastStep, byEpoch, verbose],
            Family.OneCycle => [optimizer, paramName, r.DoubleOrList("eta_max", [0.0]), r.NullableInt("total_steps"), r.Double("pct_start", 0.3),
                r.String("anneal_strategy", "cos"), r.Double("div_factor", 25), r.Double("final_div_factor", 1e4), r.Bool("three_phase", false), begin, end, lastStep, byEpoch, verbose],
            Family.CosineRestart => [optimizer, paramName, r.Ints("periods"), r.DoubleOrList("restart_weights", [1.0]),
                r.NullableDouble("eta_min"), r.NullableDouble("eta_min_ratio"), begin, end, lastStep, byEpoch, verbose],
            Family.ReduceOnPlateau => [optimizer, paramName, r.String("monitor", "loss"), r.String("rule", "less"), r.Double("factor", 0.1),
                r.Int("patience", 10), r.Double("threshold", 1e-4), r.String("threshold_rule", "rel"), r.Int("cooldown", 0), r.DoubleOrList("min_value", [0.0]),
                r.Double("eps", 1e-8), begin, end, lastStep, byEpoch, verbose],
            _ => throw new InvalidOperationException(family.ToString()),
        };
        r.EnsureAllUsed();
        if (kind != Kind.Param) ctorArgs = [ctorArgs[0], .. ctorArgs[2..]];
        var type = typeof(SchedulerFactories).Assembly.GetType($"{typeof(ParamScheduler).Namespace}.{name}", throwOnError: true)!;
        var scheduler = (ParamScheduler)Activator.CreateInstance(type, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DoNotWrapExceptions, null, ctorArgs, CultureInfo.InvariantCulture)!;
        scheduler.TypeName = name;
        return scheduler;
    }

    /// <summary>
    /// MMEngine's <c>build_iter_from_epoch</c>: <c>begin = int(begin * epoch_length)</c>, <c>end</c> likewise unless
    /// it is INF, and the family's own step counts (step_size, milestones, T_max, periods, total_steps) multiplied.
    /// </summary>
    private static void ConvertToIterBased(string name, Family family, ConfigDict args, object? epochLength)
    {
        string path = $"param_scheduler ({name})";
        if (family == Family.ReduceOnPlateau)
            throw new KilnException($"{path}: convert_to_iter_based is not possible for ReduceOnPlateau schedulers (MMEngine has no build_iter_from_epoch for them); remove it.");
        if (args.Get("by_epoch", true) is not true)
            throw new KilnException($"{path}: Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based; remove convert_to_iter_based or by_epoch=False.");
        if (epochLength is not long length || length <= 0)
            throw new KilnException($"{path}: `epoch_length` must be a positive integer, but got {ConfigFormatter.Format(epochLength)} (convert_to_iter_based needs the train dataloader's length).");
        args["by_epoch"] = false;
        args["begin"] = (long)(AsDouble(args.Get("begin", 0L), $"{path}.begin") * length);
        if (args.Get("end") is { } end && !(end is long e && e == ParamScheduler.Inf))
            args["end"] = (long)(AsDouble(end, $"{path}.end") * length);
        void Scale(string key)
        {
            if (args.Get(key) is { } value) args[key] = value switch
            {
                long l => l * length,
                double d => d * length,
                List<object?> list => list.Select(v => (object?)(v is long l ? l * length : AsDouble(v, $"{path}.{key}") * length)).ToList(),
                _ => throw new KilnException($"{path}.{key} = {ConfigFormatter.Format(value)} must be a number or a list of numbers."),
            };
        }
        switch (family)
        {
            case Family.Step: Scale("step_size"); break;
            case Family.MultiStep: Scale("milestones"); break;
            case Family.CosineAnnealing: Scale("T_max"); break;
            case Family.CosineRestart: Scale("periods"); break;
            case Family.OneCycle: Scale("total_steps"); break;
        }
    }

    private static double AsDouble(object? value, string path) => value switch
    {
        long l => l,
        double d => d,
        _ => throw new KilnException($"{path} = {ConfigFormatter.Format(value)} must be a number."),
    };

    /// <summary>Reads scheduler arguments, remembering which were used so unknown keys are errors.</summary>
    private sealed class ArgReader(ConfigDict args, string name)
    {
        private readonly List<string> _used = [];
        private readonly string _path = $"param_scheduler ({name})";

        private object? Take(string key)
        {
            _used.Add(key);
            return args.Get(key);
        }

        public int Int(string key, int? fallback) => Take(key) switch
        {
            null when fallback is { } f => f,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            double d when d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
            null => throw Required(key),
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be an integer."),
        };

        public int? NullableInt(string key) => args.Get(key) is null ? Skip(key) : Int(key, null);

        private int? Skip(string key)
        {
            _used.Add(key);
            return null;
        }

        public double Double(string key, double? fallback) => Take(key) switch
        {
            null when fallback is { } f => f,
            long l => l,
            double d => d,
            null => throw Required(key),
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a number."),
        };

        public double? NullableDouble(string key)
        {
            if (args.Get(key) is null)
            {
                _used.Add(key);
                return null;
            }
            return Double(key, null);
        }

        public bool Bool(string key, bool fallback) => Take(key) switch
        {
            null => fallback,
            bool b => b,
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be True or False."),
        };

        public string String(string key, string? fallback) => Take(key) switch
        {
            null when fallback is not null => fallback,
            string s => s,
            null => throw Required(key),
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a string."),
        };

        public List<int> Ints(string key) => Take(key) switch
        {
            System.Collections.IList list => list.Cast<object?>().Select(v => v switch
            {
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                double d when d == Math.Floor(d) => (int)d,
                _ => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(list)} must be a list of integers."),
            }).ToList(),
            null => throw Required(key),
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a list of integers, e.g. [8, 11]."),
        };

        public List<double> DoubleOrList(string key, List<double> fallback) => Take(key) switch
        {
            null => fallback,
            long l => [l],
            double d => [d],
            System.Collections.IList list => list.Cast<object?>().Select(v => v switch
            {
                long l => (double)l,
                double d => d,
                _ => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(list)} must be a number or a list of numbers."),
            }).ToList(),
            var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a number or a list of numbers."),
        };

        private KilnException Required(string key) => new($"{_path} needs '{key}'.");

        public void EnsureAllUsed()
        {
            var unknown = args.Keys.Where(k => !_used.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new KilnException($"{_path} does not take {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it takes: {string.Join(", ", _used.Distinct())}.");
        }
    }

    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
