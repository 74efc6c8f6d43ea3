using System.Globalization;
using Kiln.Config;
using Kiln.Registry;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// One parameter group as MMEngine's <c>DefaultOptimWrapperConstructor</c> hands it to the optimizer
/// (<c>{'params': [p], 'lr': ..., 'weight_decay': ...}</c>): the parameters and the hyper-parameters that differ from
/// the optimizer's defaults (only <c>lr</c> and <c>weight_decay</c>, the two keys paramwise settings change).
/// </summary>
public sealed record ParamGroupSpec(IReadOnlyList<Parameter> Params, IReadOnlyDictionary<string, double> Settings);

/// <summary>
/// OPT-10: registers every TorchSharp optimizer under its PyTorch name with PyTorch's argument names and defaults
/// (torch 2.x signatures): SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop, NAdam, RAdam, ASGD, Rprop.
/// The optimizer wrapper constructor passes <c>params</c>: the model's parameters, or a list of
/// <see cref="ParamGroupSpec"/> (one group per parameter with <c>paramwise_cfg</c>).
/// </summary>
/// <remarks>
/// PyTorch's implementation switches that do not change the maths (<c>foreach</c>, <c>capturable</c>) are accepted
/// and have no effect; switches TorchSharp's implementation cannot honour (<c>differentiable=True</c>,
/// <c>fused=True</c>, <c>maximize=True</c> where TorchSharp's optimizer has no maximize,
/// <c>decoupled_weight_decay=True</c>) are errors naming the key. LBFGS is not registered: it needs a closure per
/// step, which <c>OptimWrapper.UpdateParams</c> (like MMEngine's) does not give.
/// </remarks>
internal static class OptimizerFactories
{
    /// <summary>The names registered, in PyTorch's documentation order.</summary>
    public static readonly string[] Names = ["SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "NAdam", "RAdam", "ASGD", "Rprop"];

    public static void Register(IPluginRegistrar registrar)
    {
        Reg(registrar, "SGD", r =>
        {
            var groups = r.Groups<SGD.ParamGroup, SGD.Options>((o, wd) => o.weight_decay = wd);
            var optimizer = new SGD(groups, r.Double("lr", 1e-3), r.Double("momentum", 0), r.Double("dampening", 0), r.Double("weight_decay", 0),
                r.Bool("nesterov", false), r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "differentiable", "fused");
            return optimizer;
        });
        Reg(registrar, "Adam", r =>
        {
            var groups = r.Groups<Adam.ParamGroup, Adam.Options>((o, wd) => o.weight_decay = wd);
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            var optimizer = new Adam(groups, r.Double("lr", 1e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 0),
                r.Bool("amsgrad", false), r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable", "fused", "decoupled_weight_decay");
            return optimizer;
        });
        Reg(registrar, "AdamW", r =>
        {
            var groups = r.Groups<AdamW.ParamGroup, AdamW.Options>((o, wd) => o.weight_decay = wd);
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            var optimizer = new AdamW(groups, r.Double("lr", 1e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 1e-2),
                r.Bool("amsgrad", false), r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable", "fused");
            return optimizer;
        });
        Reg(registrar, "Adamax", r =>
        {
            var groups = r.Groups<Adamax.ParamGroup, Adamax.Options>((o, wd) => o.weight_decay = wd);
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            var optimizer = new Adamax(groups, r.Double("lr", 2e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 0));
            r.PyTorchOnly("foreach", "maximize", "differentiable", "capturable");
            return optimizer;
        });
        Reg(registrar, "Adagrad", r =>
        {
            var groups = r.Groups<Adagrad.ParamGroup, Adagrad.Options>((o, wd) => o.weight_decay = wd);
            var optimizer = new Adagrad(groups, r.Double("lr", 1e-2), r.Double("lr_decay", 0), r.Double("weight_decay", 0),
                r.Double("initial_accumulator_value", 0), r.Double("eps", 1e-10));
            r.PyTorchOnly("foreach", "maximize", "differentiable", "fused");
            return optimizer;
        });
        Reg(registrar, "Adadelta", r =>
        {
            var groups = r.Groups<Adadelta.ParamGroup, Adadelta.Options>((o, wd) => o.weight_decay = wd);
            var optimizer = new Adadelta(groups, r.Double("lr", 1.0), r.Double("rho", 0.9), r.Double("eps", 1e-6), r.Double("weight_decay", 0),
                r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable");
            return optimizer;
        });
        Reg(registrar, "RMSprop", r =>
        {
            var groups = r.Groups<RMSProp.ParamGroup, RMSProp.Options>((o, wd) => o.weight_decay = wd);
            var optimizer = new RMSProp(groups, r.Double("lr", 1e-2), r.Double("alpha", 0.99), r.Double("eps", 1e-8), r.Double("weight_decay", 0),
                r.Double("momentum", 0), r.Bool("centered", false), r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable");
            return optimizer;
        });
        Reg(registrar, "NAdam", r =>
        {
            var groups = r.Groups<NAdam.ParamGroup, NAdam.Options>((o, wd) => o.weight_decay = wd);
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            var optimizer = new NAdam(groups, r.Double("lr", 2e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 0),
                r.Double("momentum_decay", 4e-3));
            r.PyTorchOnly("foreach", "maximize", "capturable", "differentiable", "decoupled_weight_decay");
            return optimizer;
        });
        Reg(registrar, "RAdam", r =>
        {
            var groups = r.Groups<RAdam.ParamGroup, RAdam.Options>((o, wd) => o.weight_decay = wd);
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            var optimizer = new RAdam(groups, r.Double("lr", 1e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 0));
            r.PyTorchOnly("foreach", "maximize", "capturable", "differentiable", "decoupled_weight_decay");
            return optimizer;
        });
        Reg(registrar, "ASGD", r =>
        {
            var groups = r.Groups<ASGD.ParamGroup, ASGD.Options>((o, wd) => o.weight_decay = wd);
            var optimizer = new ASGD(groups, r.Double("lr", 1e-2), r.Double("lambd", 1e-4), r.Double("alpha", 0.75), r.Double("t0", 1e6),
                r.Double("weight_decay", 0), r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable");
            return optimizer;
        });
        Reg(registrar, "Rprop", r =>
        {
            var groups = r.Groups<Rprop.ParamGroup, Rprop.Options>(null);
            var (etaMinus, etaPlus) = r.Pair("etas", (0.5, 1.2));
            var (minStep, maxStep) = r.Pair("step_sizes", (1e-6, 50));
            var optimizer = new Rprop(groups, r.Double("lr", 1e-2), etaMinus, etaPlus, minStep, maxStep, r.Bool("maximize", false));
            r.PyTorchOnly("foreach", "capturable", "differentiable");
            return optimizer;
        });
    }

    private static void Reg(IPluginRegistrar registrar, string name, Func<ArgReader, optim.Optimizer> build) =>
        registrar.Register(Registries.Optimizers, name, (_, a) =>
        {
            var reader = new ArgReader(a, name);
            var optimizer = build(reader);
            reader.EnsureAllUsed();
            return optimizer;
        });

    /// <summary>Reads optimizer arguments, remembering which were used so unknown keys are errors.</summary>
    private sealed class ArgReader(ConfigDict args, string name)
    {
        private readonly HashSet<string> _used = ["params"];
        private readonly string _path = $"optim_wrapper.optimizer ({name})";

        /// <summary>
        /// The parameter groups: one group of all parameters, or one per <see cref="ParamGroupSpec"/>, each with
        /// only its own <c>lr</c>/<c>weight_decay</c> set so the rest comes from the optimizer's defaults, as
        /// PyTorch's <c>add_param_group</c> fills a group dict from <c>defaults</c>.
        /// </summary>
        public List<TGroup> Groups<TGroup, TOptions>(Action<TOptions, double>? setWeightDecay)
            where TGroup : ParamGroup<TOptions>, new()
            where TOptions : OptimizerOptions, new()
        {
            switch (args.Get("params"))
            {
                case IEnumerable<ParamGroupSpec> specs:
                    var groups = new List<TGroup>();
                    var seen = new HashSet<IntPtr>();
                    foreach (var spec in specs)
                    {
                        // torch/optim/optimizer.py add_param_group rejects a parameter given twice.
                        if (spec.Params.Any(p => !seen.Add(p.Handle)))
                            throw new KilnException($"{_path}: some parameters appear in more than one parameter group; "
                                + "set optim_wrapper.paramwise_cfg.bypass_duplicate=True to skip shared parameters.");

                        var options = new TOptions();
                        foreach (var (key, value) in spec.Settings)
                        {
                            switch (key)
                            {
                                case "lr":
                                    options.LearningRate = value;
                                    break;
                                case "weight_decay" when setWeightDecay is not null:
                                    setWeightDecay(options, value);
                                    break;
                                default:
                                    throw new KilnException($"{_path}: a parameter group sets '{key}', which {name} does not take per group.");
                            }
                        }

                        groups.Add(new TGroup { Parameters = spec.Params, Options = options });
                    }

                    return groups;
                case IEnumerable<Parameter> parameters:
                    return [new TGroup { Parameters = parameters.ToList() }];
                default:
                    throw new KilnException($"{_path}: no parameters to optimize; the optimizer is built by the optimizer wrapper from the model.");
            }
        }

        public double Double(string key, double? fallback = null)
        {
            _used.Add(key);
            return args.Get(key) switch
            {
                null when fallback is { } f => f,
                long l => l,
                double d => d,
                null => throw new KilnException($"{_path}: '{key}' is required (PyTorch's {name} has no default for it)."),
                var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a number."),
            };
        }

        public bool Bool(string key, bool fallback)
        {
            _used.Add(key);
            return args.Get(key) switch
            {
                null => fallback,
                bool b => b,
                var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be True or False."),
            };
        }

        public (double, double) Pair(string key, (double, double) fallback)
        {
            _used.Add(key);
            return args.Get(key) switch
            {
                null => fallback,
                System.Collections.IList { Count: 2 } l when l[0] is long or double && l[1] is long or double =>
                    (Convert.ToDouble(l[0], CultureInfo.InvariantCulture), Convert.ToDouble(l[1], CultureInfo.InvariantCulture)),
                var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a pair of numbers like {Format(fallback)}."),
            };
        }

        /// <summary>
        /// PyTorch switches TorchSharp's implementation lacks. <c>foreach</c> and <c>capturable</c> pick an
        /// implementation of the same maths, so any value is accepted; the others change behaviour, so only
        /// their PyTorch default (None or False) is.
        /// </summary>
        public void PyTorchOnly(params string[] keys)
        {
            foreach (var key in keys)
            {
                _used.Add(key);
                var value = args.Get(key);
                if (key is "foreach" or "capturable" && value is null or bool) continue;
                if (value is null or false) continue;
                throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(value)} is not available: TorchSharp's {name} "
                    + $"implements only PyTorch's default ({key}={(key is "foreach" or "fused" ? "None" : "False")}); remove the key or set it to the default.");
            }
        }

        public void EnsureAllUsed()
        {
            var unknown = args.Keys.Where(k => !_used.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new KilnException($"{_path} does not take {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it takes: {string.Join(", ", _used.Where(u => u != "params"))}.");
        }

        private static string Format((double, double) pair) =>
            string.Create(CultureInfo.InvariantCulture, $"({pair.Item1}, {pair.Item2})");
    }
}
