using Kiln.Text;
using System.Reflection;
using System.Text;
using Kiln.Config;

namespace Kiln.Registry;

/// <summary>
/// Binds config keys to constructor parameters: <c>num_classes</c> → <c>numClasses</c>, converting values
/// (<see cref="ValueConverter"/>) and building nested components where a parameter's type belongs to a registry.
/// Parameters the config does not give come from the service container, then from their defaults. A key that
/// no parameter takes is an error naming it and the keys that would be valid.
/// </summary>
internal static class ParameterBinder
{
    public static object Construct(Type type, ConfigDict args, ComponentBuilder builder, string path)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .OrderByDescending(c => c.GetParameters().Count(p => args.ContainsKey(SnakeCase(p.Name!))))
            .ThenByDescending(c => c.GetParameters().Length)
            .ToList();
        if (constructors.Count == 0)
            throw new KilnException($"{path}: {type.Name} has no public constructor to build it with.");

        KilnException? firstError = null;
        foreach (var ctor in constructors)
        {
            var (values, error) = TryBind(ctor, args, builder, path);
            if (error is null) return ((ConstructorInfo)ctor).Invoke(values);
            firstError ??= error;
        }
        throw firstError!;
    }

    /// <summary>Calls a registered function with the config's keys bound to its parameters (MMEngine's <c>FUNCTIONS.build</c>).</summary>
    public static object? Call(MethodInfo method, ConfigDict args, ComponentBuilder builder, string path)
    {
        var (values, error) = TryBind(method, args, builder, path, open: null);
        if (error is not null) throw error;
        return method.Invoke(null, values);
    }

    /// <summary>
    /// MMEngine's <c>partial(FUNCTIONS.get(type), **cfg)</c>: binds the config's keys now and leaves the required
    /// parameters the config does not give open, to be passed positionally, in order, on each call.
    /// </summary>
    public static Func<object?[], object?> Partial(MethodInfo method, ConfigDict args, ComponentBuilder builder, string path)
    {
        var open = new List<int>();
        var (values, error) = TryBind(method, args, builder, path, open);
        if (error is not null) throw error;
        var parameters = method.GetParameters();
        return positional =>
        {
            if (positional.Length != open.Count)
                throw new KilnException($"{path}: {method.Name} takes {open.Count} argument(s) besides its config keys " +
                    $"({string.Join(", ", open.Select(i => SnakeCase(parameters[i].Name!)))}), but was called with {positional.Length}.");
            var call = (object?[])values.Clone();
            for (int i = 0; i < open.Count; i++) call[open[i]] = positional[i];
            try
            {
                return method.Invoke(null, call);
            }
            catch (TargetInvocationException e) when (e.InnerException is { } inner)
            {
                throw new KilnException($"{path} ({method.Name}): {inner.GetType().Name}: {inner.Message}", inner);
            }
        };
    }

    private static (object?[] Values, KilnException? Error) TryBind(MethodBase ctor, ConfigDict args, ComponentBuilder builder, string path, List<int>? open = null)
    {
        var parameters = ctor.GetParameters();
        var values = new object?[parameters.Length];
        string typeName = ctor is ConstructorInfo ? ctor.DeclaringType!.Name : ctor.Name;

        // Unknown keys first, as Python reports an unexpected keyword before a missing one: a misspelled key
        // (num_layer) must be named with its suggestion, not hidden behind "needs 'num_layers'".
        var valid = parameters.Select(p => SnakeCase(p.Name!)).ToList();
        var unknown = args.Keys.Where(k => !valid.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            var hints = unknown.Select(u => NameSuggester.Closest(u, valid, 1) is [var c] ? $"'{u}' (did you mean '{c}'?)" : $"'{u}'");
            return (values, new KilnException(
                $"{path}: {typeName} does not take {string.Join(", ", hints)}. Keys {typeName} takes: {DescribeKeys(parameters)}."));
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            string key = SnakeCase(p.Name!);
            if (args.TryGetValue(key, out var raw))
            {
                values[i] = ValueConverter.Convert(raw, p.ParameterType, builder, $"{path}.{key}");
            }
            else if (!IsConfigValueType(p.ParameterType) && builder.GetService(p.ParameterType) is { } service)
            {
                values[i] = service;
            }
            else if (p.HasDefaultValue)
            {
                values[i] = p.DefaultValue;
            }
            else if (open is not null)
            {
                open.Add(i);
            }
            else
            {
                return (values, new KilnException(
                    $"{path}: {typeName} needs '{key}' ({FriendlyName(p.ParameterType)}), which the config does not give. " +
                    $"Keys {typeName} takes: {DescribeKeys(parameters)}."));
            }
        }
        return (values, null);
    }

    internal static bool IsConfigValueType(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(ConfigDict) || t.IsArray || ValueConverter.TupleElementTypes(t) is not null
            || (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyList<>) || g == typeof(List<>) || g == typeof(IList<>)));
    }

    internal static string DescribeKeys(ParameterInfo[] parameters) =>
        string.Join(", ", parameters.Where(p => IsConfigValueType(p.ParameterType) || ValueConverter.RegistryFor(p.ParameterType) is not null)
            .Select(p => p.HasDefaultValue ? $"{SnakeCase(p.Name!)}={ConfigFormatter.Format(p.DefaultValue)}" : SnakeCase(p.Name!)));

    internal static string FriendlyName(Type t) =>
        Nullable.GetUnderlyingType(t) is { } u ? FriendlyName(u) + "?"
        : t.IsGenericType ? $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(FriendlyName))}>"
        : t.Name;

    /// <summary><c>numClasses</c> → <c>num_classes</c>; <c>topK</c> → <c>top_k</c>.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
