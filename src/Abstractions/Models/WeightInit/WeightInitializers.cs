using System.Collections;
using Kiln.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>initialize(module, init_cfg)</c> and the built-in <c>WEIGHT_INITIALIZERS</c>: builds each
/// initializer from its dict (<c>type</c> plus the initializer's arguments), applies it, then applies the
/// <c>override</c> entries (each names a child, <c>name</c>, and initialises all of it).
/// </summary>
public static class WeightInitializers
{
    private static readonly Dictionary<string, (string[] Keys, Func<InitArgs, IWeightInitializer> Create)> BuiltIn = new(StringComparer.Ordinal)
    {
        ["Constant"] = (["val", .. Common], a => new ConstantInit(a.Number("val"), a.Bias, a.BiasProb, a.Layer)),
        ["Xavier"] = (["gain", "distribution", .. Common], a => new XavierInit(a.Number("gain", 1), a.String("distribution", "normal"), a.Bias, a.BiasProb, a.Layer)),
        ["Normal"] = (["mean", "std", .. Common], a => new NormalInit(a.Number("mean", 0), a.Number("std", 1), a.Bias, a.BiasProb, a.Layer)),
        ["TruncNormal"] = (["mean", "std", "a", "b", .. Common], a => new TruncNormalInit(a.Number("mean", 0), a.Number("std", 1), a.Number("a", -2), a.Number("b", 2), a.Bias, a.BiasProb, a.Layer)),
        ["Uniform"] = (["a", "b", .. Common], a => new UniformInit(a.Number("a", 0), a.Number("b", 1), a.Bias, a.BiasProb, a.Layer)),
        ["Kaiming"] = (["a", "mode", "nonlinearity", "distribution", .. Common], a => new KaimingInit(a.Number("a", 0), a.String("mode", "fan_out"),
            a.String("nonlinearity", "relu"), a.String("distribution", "normal"), a.Bias, a.BiasProb, a.Layer)),
        ["Caffe2Xavier"] = ([.. Common], a => new Caffe2XavierInit(a.Bias, a.BiasProb, a.Layer)),
        ["Pretrained"] = (["checkpoint", "prefix", "map_location"], a => new PretrainedInit(a.String("checkpoint"), a.OptionalString("prefix"), a.String("map_location", "cpu"))),
    };

    private static string[] Common => ["bias", "bias_prob", "layer"];

    /// <summary>The registered names (<c>Constant</c>, <c>Xavier</c>, …).</summary>
    public static IReadOnlyCollection<string> Names => BuiltIn.Keys;

    /// <summary>
    /// <c>init_cfg</c> as a list of dicts: a dict becomes a one-item list; anything else is an error naming
    /// <paramref name="owner"/>. Each dict is deep-copied, as MMEngine's <c>copy.deepcopy(init_cfg)</c>.
    /// </summary>
    public static IReadOnlyList<ConfigDict>? Normalize(object? initCfg, string owner)
    {
        switch (initCfg)
        {
            case null: return null;
            case ConfigDict d: return [Copy(d)];
            case IEnumerable<ConfigDict> dicts: return dicts.Select(Copy).ToList();
            case IList list when list.Cast<object?>().All(i => i is ConfigDict):
                return list.Cast<ConfigDict>().Select(Copy).ToList();
            default:
                throw new KilnException($"{owner}.init_cfg must be a dict or a list of dicts, but got {ConfigFormatter.Format(initCfg)}.");
        }
    }

    /// <summary>Builds one initializer from its dict (MMEngine's <c>build_from_cfg(cfg, WEIGHT_INITIALIZERS)</c>).</summary>
    public static IWeightInitializer Build(ConfigDict cfg)
    {
        string type = cfg.Type ?? throw new KilnException($"init_cfg {ConfigFormatter.Format(cfg)} has no 'type'; valid types: {string.Join(", ", BuiltIn.Keys)}.");
        if (!BuiltIn.TryGetValue(type, out var entry))
            throw new KilnException($"init_cfg type '{type}' is not in the weight initializer registry; valid types: {string.Join(", ", BuiltIn.Keys)}.");
        foreach (var key in cfg.Keys)
            if (key != "type" && !entry.Keys.Contains(key))
                throw new KilnException($"init_cfg {ConfigFormatter.Format(cfg)}: {type} has no argument '{key}'; valid: {string.Join(", ", entry.Keys)}.");
        return entry.Create(new InitArgs(cfg, type));
    }

    /// <summary>MMEngine's <c>initialize(module, init_cfg)</c>.</summary>
    public static void Initialize(nn.Module module, IEnumerable<ConfigDict> initCfg)
    {
        foreach (var original in initCfg)
        {
            var cfg = Copy(original);
            var over = Pop(cfg, "override");
            Apply(module, cfg, wholeModule: false);
            if (over is null) continue;
            cfg.Remove("layer");
            InitializeOverride(module, over, cfg);
        }
    }

    private static void Apply(nn.Module module, ConfigDict cfg, bool wholeModule)
    {
        var initializer = Build(cfg);
        initializer.WholeModule = wholeModule;
        initializer.Apply(module);
    }

    private static void InitializeOverride(nn.Module module, object over, ConfigDict cfg)
    {
        IEnumerable<object?> entries = over switch
        {
            ConfigDict d => [d],
            IList l => l.Cast<object?>(),
            _ => throw new KilnException($"override must be a dict or a list of dict, but got {ConfigFormatter.Format(over)}."),
        };
        foreach (var entry in entries)
        {
            var item = entry as ConfigDict ?? throw new KilnException($"override must be a dict or a list of dict, but got {ConfigFormatter.Format(entry)}.");
            var copy = Copy(item);
            if (Pop(copy, "name") is not string name)
                throw new KilnException($"`override` must contain the key \"name\", but got {ConfigFormatter.Format(copy)}.");
            if (copy.Count == 0)
                foreach (var (k, v) in cfg) copy[k] = v;        // only a name: use the init_cfg's own arguments
            else if (!copy.ContainsKey("type"))
                throw new KilnException($"`override` need \"type\" key, but got {ConfigFormatter.Format(copy)}.");
            var child = module.named_children().Where(c => c.name == name).Select(c => c.module).FirstOrDefault()
                ?? throw new KilnException($"module did not have attribute {name}, but init_cfg is {ConfigFormatter.Format(copy)} "
                    + $"({module.GetType().Name}'s children: {string.Join(", ", module.named_children().Select(c => c.name))}).");
            Apply(child, copy, wholeModule: true);
        }
    }

    private static object? Pop(ConfigDict d, string key)
    {
        if (!d.TryGetValue(key, out var value)) return null;
        d.Remove(key);
        return value;
    }

    private static ConfigDict Copy(ConfigDict d) => (ConfigDict)DeepCopy(d)!;

    private static object? DeepCopy(object? value) => value switch
    {
        ConfigDict d => new ConfigDict(d.Select(kv => new KeyValuePair<string, object?>(kv.Key, DeepCopy(kv.Value)))),
        List<object?> l => l.Select(DeepCopy).ToList(),
        object?[] a => a.Select(DeepCopy).ToArray(),
        _ => value,
    };

    /// <summary>Typed reads of an initializer's arguments, with MMEngine's type checks.</summary>
    private sealed class InitArgs(ConfigDict cfg, string type)
    {
        public double Bias => cfg.TryGetValue("bias", out var v) ? Num("bias", v, "bias must be a number") : 0;

        public double? BiasProb => cfg.TryGetValue("bias_prob", out var v) && v is not null
            ? v is double d ? d : throw new KilnException($"{type}: bias_prob type must be float, but got {ConfigFormatter.Format(v)}.")
            : null;

        public IReadOnlyList<string>? Layer => !cfg.TryGetValue("layer", out var v) || v is null ? null : v switch
        {
            string s => [s],
            IList l when l.Cast<object?>().All(i => i is string) => l.Cast<string>().ToList(),
            _ => throw new KilnException($"{type}: layer must be a str or a list of str, but got {ConfigFormatter.Format(v)}."),
        };

        public double Number(string key, double? fallback = null) => cfg.TryGetValue(key, out var v)
            ? Num(key, v, $"{key} must be a number")
            : fallback ?? throw new KilnException($"{type} init_cfg needs '{key}' ({ConfigFormatter.Format(cfg)}).");

        public string String(string key, string? fallback = null) => cfg.TryGetValue(key, out var v)
            ? v as string ?? throw new KilnException($"{type}: {key} must be a string, but got {ConfigFormatter.Format(v)}.")
            : fallback ?? throw new KilnException($"{type} init_cfg needs '{key}' ({ConfigFormatter.Format(cfg)}).");

        public string? OptionalString(string key) => cfg.TryGetValue(key, out var v) && v is not null ? String(key) : null;

        private double Num(string key, object? v, string what) => v switch
        {
            long l => l,
            double d => d,
            _ => throw new KilnException($"{type}: {what}, but got {key}={ConfigFormatter.Format(v)}."),
        };
    }
}
