using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim.Schedulers;

/// <summary>
/// One optimizer param group's hyper-parameters by their PyTorch names, as MMEngine's schedulers see
/// <c>optimizer.param_groups[i]</c>: <c>lr</c>, <c>momentum</c> (SGD's momentum, or <c>betas[0]</c> for the Adam family,
/// as MMEngine's momentum schedulers do), <c>weight_decay</c> and any other option of the TorchSharp optimizer by its
/// PyTorch name; keys the schedulers add (<c>initial_lr</c>, <c>max_lr</c>, <c>min_lr</c>, <c>initial_momentum</c>, …)
/// are kept beside the group, and <c>initial_lr</c> is mirrored into TorchSharp's own, so optimizer state dicts
/// save it as PyTorch does.
/// </summary>
public sealed class ParamGroupValues
{
    private static readonly ConditionalWeakTable<OptimizerOptions, Dictionary<string, double>> Extras = new();
    private readonly OptimizerOptions _options;

    internal ParamGroupValues(OptimizerOptions options) => _options = options;

    /// <summary>The param groups of an <see cref="OptimWrapper"/> or a TorchSharp optimizer.</summary>
    /// <exception cref="KilnException">Anything else.</exception>
    public static IReadOnlyList<ParamGroupValues> Of(object optimizer) => optimizer switch
    {
        OptimWrapper wrapper => Of(wrapper.Optimizer),
        optim.Optimizer torchOptimizer => torchOptimizer.ParamGroups.OfType<ParamGroup>().Select(g => new ParamGroupValues(g.Options)).ToList(),
        _ => throw new KilnException($"a parameter scheduler's optimizer should be an Optimizer or an OptimWrapper, but got {optimizer?.GetType().Name ?? "None"}."),
    };

    /// <summary>Whether the group has <paramref name="key"/> (PyTorch's <c>key in group</c>).</summary>
    public bool Contains(string key) => key == "lr" || Member(key) is not null || ExtrasOf().ContainsKey(key);

    /// <summary>The value under <paramref name="key"/>.</summary>
    /// <exception cref="KilnException">The group has no such key; the message lists the keys it has.</exception>
    public double this[string key]
    {
        get
        {
            if (key == "lr") return _options.LearningRate ?? throw Missing(key);
            if (Member(key) is { } member) return ReadMember(member) ?? throw Missing(key);
            return ExtrasOf().TryGetValue(key, out var v) ? v : throw Missing(key);
        }
        set
        {
            if (key == "lr")
            {
                _options.LearningRate = value;
                return;
            }
            if (Member(key) is { } member)
            {
                WriteMember(member, value);
                return;
            }
            ExtrasOf()[key] = value;
            if (key == "initial_lr") _options.InitialLearningRate = value;
        }
    }

    /// <summary>Whether the optimizer has a momentum to schedule: its own <c>momentum</c>, or <c>betas[0]</c>.</summary>
    internal bool HasMomentum => Member("momentum") is not null;

    /// <summary>Whether <c>momentum</c> means <c>betas[0]</c> here (MMEngine's <c>use_betas</c>).</summary>
    internal bool UsesBetas => FindMember("momentum") is null && FindMember("beta1") is not null;

    /// <summary>The keys this group has, for error messages.</summary>
    public IEnumerable<string> Keys =>
        new[] { "lr" }.Concat(_options.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => f.Name)
            .Where(n => n is not "beta1" and not "beta2")).Concat(UsesBetas ? ["momentum", "betas"] : []).Concat(ExtrasOf().Keys).Distinct();

    private Dictionary<string, double> ExtrasOf() => Extras.GetValue(_options, _ => []);

    private KilnException Missing(string key) =>
        new($"param_groups has no '{key}' ({_options.GetType().DeclaringType?.Name ?? _options.GetType().Name}); the keys a group has: {string.Join(", ", Keys)}.");

    /// <summary><c>momentum</c> falls back to <c>beta1</c> for the Adam family.</summary>
    private MemberInfo? Member(string key) => FindMember(key) ?? (key == "momentum" ? FindMember("beta1") : null);

    private MemberInfo? FindMember(string key)
    {
        if (key is "lr" or "initial_lr") return null;
        var type = _options.GetType();
        return (MemberInfo?)type.GetField(key, BindingFlags.Public | BindingFlags.Instance) is FieldInfo f && IsNumber(f.FieldType) ? f
            : type.GetProperty(key, BindingFlags.Public | BindingFlags.Instance) is PropertyInfo p && IsNumber(p.PropertyType) && p.CanWrite ? p
            : null;
    }

    private static bool IsNumber(Type t) => (Nullable.GetUnderlyingType(t) ?? t) is var u && (u == typeof(double) || u == typeof(float));

    private double? ReadMember(MemberInfo member) => (member is FieldInfo f ? f.GetValue(_options) : ((PropertyInfo)member).GetValue(_options)) switch
    {
        double d => d,
        float x => x,
        _ => null,
    };

    private void WriteMember(MemberInfo member, double value)
    {
        var type = member is FieldInfo f ? f.FieldType : ((PropertyInfo)member).PropertyType;
        object boxed = (Nullable.GetUnderlyingType(type) ?? type) == typeof(float) ? (float)value : value;
        if (member is FieldInfo field) field.SetValue(_options, boxed);
        else ((PropertyInfo)member).SetValue(_options, boxed);
    }
}
