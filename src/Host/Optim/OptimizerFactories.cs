using Kiln.Config;
using Kiln.Registry;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// Registers TorchSharp optimizers under their PyTorch names with PyTorch's argument names
/// (<c>dict(type='SGD', lr=0.01, momentum=0.9)</c>). The optimizer wrapper builder passes <c>params</c>.
/// Built so far: SGD, Adam, AdamW; the rest of PyTorch's optimizers arrive with issue 6.
/// </summary>
internal static class OptimizerFactories
{
    public static void Register(IPluginRegistrar registrar)
    {
        registrar.Register(Registries.Optimizers, "SGD", (_, a) => Read(a, "SGD", r => optim.SGD(
            r.Params(), r.Double("lr"), r.Double("momentum", 0), r.Double("dampening", 0), r.Double("weight_decay", 0),
            r.Bool("nesterov", false), r.Bool("maximize", false))));
        registrar.Register(Registries.Optimizers, "Adam", (_, a) => Read(a, "Adam", r =>
        {
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            return optim.Adam(r.Params(), r.Double("lr", 1e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 0),
                r.Bool("amsgrad", false), r.Bool("maximize", false));
        }));
        registrar.Register(Registries.Optimizers, "AdamW", (_, a) => Read(a, "AdamW", r =>
        {
            var (b1, b2) = r.Pair("betas", (0.9, 0.999));
            return optim.AdamW(r.Params(), r.Double("lr", 1e-3), b1, b2, r.Double("eps", 1e-8), r.Double("weight_decay", 1e-2),
                r.Bool("amsgrad", false), r.Bool("maximize", false));
        }));
    }

    private static object Read(ConfigDict args, string name, Func<ArgReader, object> build)
    {
        var reader = new ArgReader(args, name);
        var optimizer = build(reader);
        reader.EnsureAllUsed();
        return optimizer;
    }

    /// <summary>Reads optimizer arguments, remembering which were used so unknown keys are errors.</summary>
    private sealed class ArgReader(ConfigDict args, string name)
    {
        private readonly HashSet<string> _used = ["params"];
        private readonly string _path = $"optim_wrapper.optimizer ({name})";

        public IEnumerable<Parameter> Params() =>
            args.Get("params") as IEnumerable<Parameter>
            ?? throw new KilnException($"{_path}: no parameters to optimize; the optimizer is built by the optimizer wrapper from the model.");

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
                    (System.Convert.ToDouble(l[0], System.Globalization.CultureInfo.InvariantCulture), System.Convert.ToDouble(l[1], System.Globalization.CultureInfo.InvariantCulture)),
                var v => throw new KilnException($"{_path}.{key} = {ConfigFormatter.Format(v)} must be a pair of numbers like (0.9, 0.999)."),
            };
        }

        public void EnsureAllUsed()
        {
            var unknown = args.Keys.Where(k => !_used.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new KilnException($"{_path} does not take {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it takes: {string.Join(", ", _used.Where(u => u != "params"))}.");
        }
    }
}
