using System.Collections;
using System.Globalization;
using Kiln.Config;
using Kiln.Datasets;
using Kiln.Evaluation;
using Kiln.Hooks;
using TorchSharp;

namespace Kiln.Registry;

/// <summary>
/// Converts a config value (<see cref="ConfigDict"/>'s value model) to a constructor parameter's type:
/// numbers widen or narrow where lossless, strings become enums (<c>'by_epoch'</c> → <c>ByEpoch</c>), lists and
/// tuples become arrays, lists or C# tuples (<c>(3, 5)</c> → <c>(int, int)</c>, item count checked), a scalar given for a list becomes a one-element list, and a dict with a
/// <c>type</c> key is built from the registry the parameter's type belongs to (a list of model dicts given for one
/// module becomes an <c>nn.Sequential</c> of them, as MMEngine's <c>build_model_from_cfg</c>).
/// </summary>
internal static class ValueConverter
{
    /// <summary>Which registry builds a parameter of each base type.</summary>
    private static readonly (Type Base, string Registry)[] RegistryOfType =
    [
        (typeof(Hook), Registries.Hooks),
        (typeof(BaseMetric), Registries.Metrics),
        (typeof(IDataset), Registries.Datasets),
        (typeof(ISampler), Registries.DataSamplers),
        (typeof(IBatchSampler), Registries.DataSamplers),
        (typeof(ITransform), Registries.Transforms),
        (typeof(torch.nn.Module), Registries.Models),
        (typeof(Visualization.VisBackend), Registries.VisBackends),
    ];

    public static string? RegistryFor(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        foreach (var (baseType, registry) in RegistryOfType)
            if (baseType.IsAssignableFrom(type)) return registry;
        return null;
    }

    public static object? Convert(object? value, Type target, ComponentBuilder? builder, string path)
    {
        var underlying = Nullable.GetUnderlyingType(target);
        if (value is null)
        {
            if (!target.IsValueType || underlying is not null) return null;
            throw Mismatch(value, target, path);
        }
        var t = underlying ?? target;
        if (t == typeof(object) || t.IsInstanceOfType(value) && value is not ConfigDict) return value;

        switch (value)
        {
            case ConfigDict dict when t == typeof(ConfigDict) || t.IsAssignableFrom(typeof(ConfigDict)):
                return dict;
            case ConfigDict dict when RegistryFor(t) is { } registry && builder is not null:
                var built = builder.Build(registry, dict, keyPath: path);
                return t.IsInstanceOfType(built) ? built
                    : throw new KilnException($"{path}: type '{dict.Type}' built a {built.GetType().Name}, but a {ParameterBinder.FriendlyName(t)} is needed here.");
            case long l when t == typeof(int) && l is >= int.MinValue and <= int.MaxValue: return (int)l;
            case long l when t == typeof(long): return l;
            case long l when t == typeof(double): return (double)l;
            case long l when t == typeof(float): return (float)l;
            case long l when t == typeof(short) && l is >= short.MinValue and <= short.MaxValue: return (short)l;
            case double d when t == typeof(double): return d;
            case double d when t == typeof(int) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue: return (int)d;
            case double d when t == typeof(long) && d == Math.Floor(d) && d is >= long.MinValue and <= long.MaxValue: return (long)d;
            case double d when t == typeof(float): return (float)d;
            case bool b when t == typeof(bool): return b;
            case string s when t.IsEnum: return ParseEnum(s, t, path);
            case string s when t == typeof(string): return s;
        }

        // MMEngine's build_model_from_cfg: a list of model dicts where one module is wanted becomes nn.Sequential.
        if (value is IList modules && builder is not null && t.IsAssignableFrom(typeof(TorchSharp.Modules.Sequential)))
        {
            var built = new torch.nn.Module<torch.Tensor, torch.Tensor>[modules.Count];
            for (int i = 0; i < modules.Count; i++)
            {
                if (modules[i] is not ConfigDict item) throw Mismatch(modules[i], typeof(torch.nn.Module), $"{path}[{i}]");
                built[i] = builder.Build(Registries.Models, item, keyPath: $"{path}[{i}]") as torch.nn.Module<torch.Tensor, torch.Tensor>
                    ?? throw new KilnException($"{path}[{i}]: type '{item.Type}' is no Module<Tensor, Tensor>, so it cannot be chained into an nn.Sequential.");
            }
            return torch.nn.Sequential(built);
        }

        if (TupleElementTypes(t) is { } itemTypes && value is IList tuple)
        {
            if (tuple.Count != itemTypes.Length)
                throw new KilnException($"{path} = {ConfigFormatter.Format(value)} has {tuple.Count} items, but a {ParameterBinder.FriendlyName(t)} takes {itemTypes.Length}.");
            var items = new object?[itemTypes.Length];
            for (int i = 0; i < items.Length; i++) items[i] = Convert(tuple[i], itemTypes[i], builder, $"{path}[{i}]");
            return Activator.CreateInstance(t, items);
        }

        if (ElementTypeOf(t) is { } element && value is not string)
        {
            IList items = value is IList list ? list : new object?[] { value };
            var converted = Array.CreateInstance(element, items.Count);
            for (int i = 0; i < items.Count; i++)
                converted.SetValue(Convert(items[i], element, builder, $"{path}[{i}]"), i);
            if (t.IsArray || t.IsInterface) return converted;
            var concrete = (IList)Activator.CreateInstance(t)!;
            foreach (var item in converted) concrete.Add(item);
            return concrete;
        }
        throw Mismatch(value, t, path);
    }

    /// <summary>The item types of a <c>ValueTuple</c> or <c>Tuple</c> of up to 7 items (<c>(int, int)</c>), else null.</summary>
    internal static Type[]? TupleElementTypes(Type t)
    {
        if (!t.IsGenericType || t.GetGenericArguments().Length > 7) return null;
        string? ns = t.Namespace;
        string name = t.GetGenericTypeDefinition().Name;
        return ns == "System" && (name.StartsWith("ValueTuple`", StringComparison.Ordinal) || name.StartsWith("Tuple`", StringComparison.Ordinal))
            ? t.GetGenericArguments() : null;
    }

    internal static Type? ElementTypeOf(Type t)
    {
        if (t.IsArray) return t.GetElementType();
        if (!t.IsGenericType) return null;
        var g = t.GetGenericTypeDefinition();
        return g == typeof(List<>) || g == typeof(IList<>) || g == typeof(IReadOnlyList<>) || g == typeof(IEnumerable<>)
            || g == typeof(ICollection<>) || g == typeof(IReadOnlyCollection<>)
            ? t.GetGenericArguments()[0] : null;
    }

    private static object ParseEnum(string s, Type t, string path)
    {
        string pascal = string.Concat(s.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        foreach (var name in Enum.GetNames(t))
            if (string.Equals(name, s, StringComparison.OrdinalIgnoreCase) || string.Equals(name, pascal, StringComparison.OrdinalIgnoreCase))
                return Enum.Parse(t, name);
        var valid = Enum.GetNames(t).Select(n => $"'{ParameterBinder.SnakeCase(n)}'");
        throw new KilnException($"{path}: '{s}' is not valid here; valid values: {string.Join(", ", valid)}.");
    }

    private static KilnException Mismatch(object? value, Type target, string path)
    {
        string kind = value switch
        {
            null => "None",
            long => "an int",
            double => "a float",
            string => "a string",
            bool => "a bool",
            ConfigDict d when d.Type is null => "a dict without 'type'",
            ConfigDict => "a dict",
            object?[] => "a tuple",
            IList => "a list",
            _ => value.GetType().Name,
        };
        return new KilnException(
            $"{path} = {ConfigFormatter.Format(value)} is {kind}, but a {ParameterBinder.FriendlyName(target)} is needed here.");
    }

}
