using System.Globalization;
using Kiln.Config;
using Kiln.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>DefaultOptimWrapperConstructor</c> (optim/optimizer/default_constructor.py, OPT-11..15): builds the
/// optimizer over a model's parameters and wraps it. Without <c>paramwise_cfg</c> all parameters form one group;
/// with it, every parameter gets its own group whose <c>lr</c> and <c>weight_decay</c> follow the rules below, and each
/// changed key is logged as <c>paramwise_options -- name:key=value</c>.
/// </summary>
/// <remarks>
/// <para>Rules, per parameter, in MMEngine's order:</para>
/// <list type="number">
/// <item><c>bypass_duplicate</c>: a parameter already in an earlier group is skipped with a warning (else the
/// optimizer rejects the duplicate).</item>
/// <item>A parameter with <c>requires_grad=False</c> gets a group with the defaults.</item>
/// <item><c>custom_keys</c>: keys sorted alphabetically, then by length, longest first; the first that is a substring
/// of <c>prefix.name</c> sets <c>lr = base_lr * lr_mult</c> and <c>weight_decay = base_wd * decay_mult</c>, and no
/// other rule applies.</item>
/// <item>Otherwise: top-level <c>lr_mult</c>/<c>decay_mult</c> (MMEngine documents them as multipliers for all
/// parameters), then <c>bias_lr_mult</c> for a <c>bias</c> outside normalisation layers; for weight decay the first
/// of: normalisation layer (<c>norm_decay_mult</c>), <c>bias</c> (<c>bias_decay_mult</c>), depth-wise convolution
/// (<c>dwconv_decay_mult</c>), 1-D parameter (<c>flat_decay_mult</c>).</item>
/// </list>
/// <para><c>dcn_offset_lr_mult</c> is accepted and has no effect: Kiln has no deformable convolution.</para>
/// <para>A custom constructor subclasses this, is registered in the optimizer wrapper constructor registry, and is
/// named by <c>optim_wrapper.constructor</c>; it may override <see cref="Build"/> or <see cref="AddParams"/>.</para>
/// </remarks>
[Register(Registries.OptimWrapperConstructors)]
public class DefaultOptimWrapperConstructor
{
    /// <summary>The <c>paramwise_cfg</c> keys this constructor reads.</summary>
    public static readonly IReadOnlyList<string> ParamwiseKeys =
    [
        "lr_mult", "decay_mult", "bias_lr_mult", "bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult",
        "flat_decay_mult", "dcn_offset_lr_mult", "bypass_duplicate", "custom_keys",
    ];

    private static readonly Type[] NormTypes =
    [
        typeof(BatchNorm1d), typeof(BatchNorm2d), typeof(BatchNorm3d), typeof(InstanceNorm1d), typeof(InstanceNorm2d),
        typeof(InstanceNorm3d), typeof(GroupNorm), typeof(LayerNorm),
    ];

    private readonly ILogger _logger;

    public DefaultOptimWrapperConstructor(ConfigDict optimWrapperCfg, ConfigDict? paramwiseCfg = null, IComponentBuilder? builder = null,
        ILogger<DefaultOptimWrapperConstructor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(optimWrapperCfg);
        OptimWrapperCfg = new ConfigDict(optimWrapperCfg);
        OptimizerCfg = OptimWrapperCfg.Pop("optimizer") switch
        {
            ConfigDict d => d,
            null => throw new KilnException("optim_wrapper must contain \"optimizer\", e.g. optimizer=dict(type='SGD', lr=0.01)."),
            var other => throw new KilnException($"optim_wrapper.optimizer must be a dict like dict(type='SGD', lr=0.01), not {ConfigFormatter.Format(other)}."),
        };
        ParamwiseCfg = paramwiseCfg ?? new ConfigDict();
        BaseLr = OptionalNumber(OptimizerCfg, "lr", "optim_wrapper.optimizer");
        BaseWd = OptionalNumber(OptimizerCfg, "weight_decay", "optim_wrapper.optimizer");
        Builder = builder;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        ValidateCfg();
    }

    /// <summary>The optimizer wrapper config without <c>optimizer</c> (its <c>type</c> defaults to OptimWrapper).</summary>
    protected ConfigDict OptimWrapperCfg { get; }

    protected ConfigDict OptimizerCfg { get; }

    protected ConfigDict ParamwiseCfg { get; }

    /// <summary>The optimizer's <c>lr</c> (MMEngine's <c>base_lr</c>), or null when the config leaves the default.</summary>
    public double? BaseLr { get; }

    /// <summary>The optimizer's <c>weight_decay</c> (<c>base_wd</c>), or null when the config does not set it.</summary>
    public double? BaseWd { get; }

    protected IComponentBuilder? Builder { get; }

    /// <summary>MMEngine's <c>__call__(model)</c>: the optimizer over the model's parameters, wrapped.</summary>
    public virtual IManagedOptimWrapper Build(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var optimizerCfg = new ConfigDict(OptimizerCfg);
        if (ParamwiseCfg.Count == 0)
        {
            optimizerCfg["params"] = model.parameters().ToList();
        }
        else
        {
            var groups = new List<ParamGroupSpec>();
            AddParams(groups, model);
            optimizerCfg["params"] = groups;
        }

        var optimizer = RequireBuilder().Build<optim.Optimizer>(Registries.Optimizers, optimizerCfg, keyPath: "optim_wrapper.optimizer");
        return BuildWrapper(optimizer);
    }

    /// <summary>Wraps a built optimizer as <c>optim_wrapper</c> says (<c>type</c> defaults to OptimWrapper).</summary>
    protected IManagedOptimWrapper BuildWrapper(optim.Optimizer optimizer)
    {
        var wrapperCfg = new ConfigDict(OptimWrapperCfg);
        wrapperCfg.SetDefault("type", nameof(OptimWrapper));
        return RequireBuilder().Build<IManagedOptimWrapper>(Registries.OptimWrappers, wrapperCfg,
            new Dictionary<string, object?> { ["optimizer"] = optimizer }, "optim_wrapper");
    }

    protected IComponentBuilder RequireBuilder() => Builder
        ?? throw new InvalidOperationException($"{GetType().Name} was created without a component builder; build it from the registry.");

    /// <summary>
    /// MMEngine's <c>add_params</c>: appends one group per parameter of <paramref name="module"/> (not recursing), then
    /// recurses into the children with <c>prefix.child</c>.
    /// </summary>
    public virtual void AddParams(List<ParamGroupSpec> groups, nn.Module module, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(module);
        var customKeys = CustomKeys();

        // default_constructor.py: sorted(sorted(custom_keys.keys()), key=len, reverse=True), a stable sort.
        var sortedKeys = customKeys.Keys.OrderBy(k => k, StringComparer.Ordinal).OrderByDescending(k => k.Length).ToList();
        double? lrMult = Mult("lr_mult"), decayMult = Mult("decay_mult"), biasLrMult = Mult("bias_lr_mult"),
            biasDecayMult = Mult("bias_decay_mult"), normDecayMult = Mult("norm_decay_mult"),
            dwconvDecayMult = Mult("dwconv_decay_mult"), flatDecayMult = Mult("flat_decay_mult");
        bool bypassDuplicate = ParamwiseCfg.Get("bypass_duplicate") is true;

        bool isNorm = NormTypes.Any(t => t.IsInstanceOfType(module));
        bool isDwconv = module is Conv2d conv && conv.in_channels == conv.groups;

        foreach (var (name, param) in module.named_parameters(recurse: false))
        {
            var settings = new Dictionary<string, double>();
            var logged = new List<(string Key, object Value)>();
            if (bypassDuplicate && groups.Any(g => g.Params.Any(p => ReferenceEquals(p, param) || p.Handle == param.Handle)))
            {
                _logger.LogWarning("{Prefix} is duplicate. It is skipped since bypass_duplicate=True", prefix);
                continue;
            }

            if (!param.requires_grad)
            {
                groups.Add(new ParamGroupSpec([param], settings));
                continue;
            }

            string fullName = prefix.Length > 0 ? $"{prefix}.{name}" : name;
            string matchName = $"{prefix}.{name}";
            var key = sortedKeys.FirstOrDefault(k => matchName.Contains(k, StringComparison.Ordinal));
            if (key is not null)
            {
                var custom = customKeys[key];
                settings["lr"] = RequireBaseLr($"paramwise_cfg.custom_keys['{key}']") * (custom.TryGetValue("lr_mult", out var lm) ? lm : 1.0);
                if (BaseWd is { } wd) settings["weight_decay"] = wd * (custom.TryGetValue("decay_mult", out var dm) ? dm : 1.0);
                logged.AddRange(settings.Select(kv => (kv.Key, (object)kv.Value)));
                foreach (var (k, v) in custom)
                {
                    logged.Add((k, v));
                    if (k is not ("lr_mult" or "decay_mult")) settings[k] = v;
                }
            }
            else
            {
                if (lrMult is { } lm) settings["lr"] = RequireBaseLr("paramwise_cfg.lr_mult") * lm;
                if (BaseWd is { } w && decayMult is { } dm) settings["weight_decay"] = w * dm;

                // bias_lr_mult affects every bias except those of normalisation layers.
                if (name == "bias" && !isNorm && biasLrMult is { } blm) settings["lr"] = RequireBaseLr("paramwise_cfg.bias_lr_mult") * blm;
                if (BaseWd is { } baseWd)
                {
                    if (isNorm && normDecayMult is { } n) settings["weight_decay"] = baseWd * n;
                    else if (name == "bias" && biasDecayMult is { } b) settings["weight_decay"] = baseWd * b;
                    else if (isDwconv && dwconvDecayMult is { } d) settings["weight_decay"] = baseWd * d;
                    else if (param.ndim == 1 && flatDecayMult is { } f) settings["weight_decay"] = baseWd * f;
                }

                logged.AddRange(settings.Select(kv => (kv.Key, (object)kv.Value)));
            }

            groups.Add(new ParamGroupSpec([param], settings));
            foreach (var (k, v) in logged)
                _logger.LogInformation("paramwise_options -- {Name}:{Key}={Value}", fullName, k, PyFormat(v));
        }

        foreach (var (childName, child) in module.named_children())
            AddParams(groups, child, prefix.Length > 0 ? $"{prefix}.{childName}" : childName);
    }

    private void ValidateCfg()
    {
        // Subclasses read keys of their own (MMEngine's own test constructor reads conv1_lr_mult).
        if (GetType() == typeof(DefaultOptimWrapperConstructor))
        {
            var unknown = ParamwiseCfg.Keys.Where(k => !ParamwiseKeys.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new KilnException($"optim_wrapper.paramwise_cfg does not take {string.Join(", ", unknown.Select(u => $"'{u}'"))}; "
                    + $"DefaultOptimWrapperConstructor reads: {string.Join(", ", ParamwiseKeys)}.");
        }

        _ = CustomKeys();
        if (BaseWd is null)
        {
            // default_constructor.py _validate_cfg: "base_wd should not be None".
            foreach (var key in new[] { "bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult", "flat_decay_mult", "decay_mult" })
                if (ParamwiseCfg.ContainsKey(key))
                    throw new KilnException($"optim_wrapper.paramwise_cfg.{key} needs optim_wrapper.optimizer.weight_decay to be set (base_wd should not be None).");
            foreach (var (key, custom) in CustomKeys())
                if (custom.ContainsKey("decay_mult"))
                    throw new KilnException($"optim_wrapper.paramwise_cfg.custom_keys['{key}'].decay_mult needs optim_wrapper.optimizer.weight_decay to be set (base_wd should not be None).");
        }

        if (ParamwiseCfg.Get("bypass_duplicate") is { } bypass and not bool)
            throw new KilnException($"optim_wrapper.paramwise_cfg.bypass_duplicate = {ConfigFormatter.Format(bypass)} must be True or False.");
    }

    private Dictionary<string, Dictionary<string, double>> CustomKeys()
    {
        var result = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        switch (ParamwiseCfg.Get("custom_keys"))
        {
            case null:
                return result;
            case ConfigDict keys:
                foreach (var (key, value) in keys)
                {
                    if (value is not ConfigDict settings)
                        throw new KilnException($"optim_wrapper.paramwise_cfg.custom_keys['{key}'] must be a dict like dict(lr_mult=0.1, decay_mult=0), not {ConfigFormatter.Format(value)}.");
                    result[key] = settings.ToDictionary(kv => kv.Key, kv => kv.Value switch
                    {
                        long l => l,
                        double d => d,
                        var v => throw new KilnException($"optim_wrapper.paramwise_cfg.custom_keys['{key}'].{kv.Key} = {ConfigFormatter.Format(v)} must be a number."),
                    });
                }

                return result;
            case var other:
                throw new KilnException($"optim_wrapper.paramwise_cfg.custom_keys must be a dict of name → dict(lr_mult=..., decay_mult=...), not {ConfigFormatter.Format(other)}.");
        }
    }

    private double? Mult(string key) => OptionalNumber(ParamwiseCfg, key, "optim_wrapper.paramwise_cfg");

    private double RequireBaseLr(string what) => BaseLr
        ?? throw new KilnException($"{what} needs optim_wrapper.optimizer.lr to be set: the multiplier scales it.");

    private static double? OptionalNumber(ConfigDict cfg, string key, string path) => cfg.Get(key) switch
    {
        null => null,
        long l => l,
        double d => d,
        var v => throw new KilnException($"{path}.{key} = {ConfigFormatter.Format(v)} must be a number."),
    };

    // Python's str() of a float: 0.0, 0.001, 1e-05.
    private static string PyFormat(object value) => value switch
    {
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e16 => d.ToString("0.0", CultureInfo.InvariantCulture),
        double d => ConfigFormatter.Format(d),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>
/// A constructor for models with several optimizers (mmagic's <c>MultiOptimWrapperConstructor</c>): each key of
/// <c>optim_wrapper</c> besides <c>constructor</c> names a child module of the model and holds that child's optimizer
/// wrapper config (with its own <c>paramwise_cfg</c>); the result is an <see cref="OptimWrapperDict"/>.
/// <c>optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', generator=dict(optimizer=...), discriminator=dict(optimizer=...))</c>.
/// </summary>
[Register(Registries.OptimWrapperConstructors)]
public class MultiOptimWrapperConstructor : DefaultOptimWrapperConstructor
{
    private readonly List<(string Name, DefaultOptimWrapperConstructor Constructor)> _constructors = [];

    public MultiOptimWrapperConstructor(ConfigDict optimWrapperCfg, ConfigDict? paramwiseCfg = null, IComponentBuilder? builder = null,
        ILogger<DefaultOptimWrapperConstructor>? logger = null)
        : base(WithPlaceholder(optimWrapperCfg), null, builder, logger)
    {
        if (paramwiseCfg is { Count: > 0 })
            throw new KilnException("optim_wrapper.paramwise_cfg: with several optimizers, give each its own paramwise_cfg inside its dict.");
        foreach (var (name, value) in optimWrapperCfg)
        {
            if (value is not ConfigDict cfg)
                throw new KilnException($"optim_wrapper.{name} must be an optimizer wrapper dict like dict(optimizer=dict(type='Adam', lr=2e-4)), not {ConfigFormatter.Format(value)}.");
            var copy = new ConfigDict(cfg);
            var childParamwise = copy.Pop("paramwise_cfg") as ConfigDict;
            _constructors.Add((name, new DefaultOptimWrapperConstructor(copy, childParamwise, builder, logger)));
        }

        if (_constructors.Count == 0)
            throw new KilnException("optim_wrapper: MultiOptimWrapperConstructor needs one optimizer wrapper dict per child module, e.g. generator=dict(optimizer=...).");
    }

    public override IManagedOptimWrapper Build(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        var wrappers = new List<KeyValuePair<string, OptimWrapper>>();
        foreach (var (name, constructor) in _constructors)
        {
            if (!children.TryGetValue(name, out var child))
                throw new KilnException($"optim_wrapper.{name}: the model ({model.GetType().Name}) has no child module '{name}'; its children: {string.Join(", ", children.Keys)}.");
            var built = constructor.Build(child) as OptimWrapper
                ?? throw new KilnException($"optim_wrapper.{name} must build an OptimWrapper (or a subclass) to go into an OptimWrapperDict.");
            wrappers.Add(new(name, built));
        }

        return new OptimWrapperDict(wrappers);
    }

    // The base constructor needs an 'optimizer' entry; the real ones are per child.
    private static ConfigDict WithPlaceholder(ConfigDict cfg) => new() { ["optimizer"] = new ConfigDict() };
}
