using Kiln.Text;
using System.Reflection;
using Kiln.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kiln.Registry;

/// <summary>
/// Builds components from config dicts (MMEngine's <c>build_from_cfg</c>):
/// 1. merge default args under the config (the config wins);
/// 2. pop <c>_scope_</c> and switch the default scope for this build and every nested build;
/// 3. redirect to the default scope's registry in this registry's tree, as MMEngine's
///    <c>switch_scope_and_registry</c> does (falling back to the asked registry with a warning);
/// 4. resolve <c>type</c>; 5. bind the remaining keys to a constructor (<see cref="ParameterBinder"/>).
/// </summary>
public sealed class ComponentBuilder(RegistryTree tree, IServiceProvider services, ILogger<ComponentBuilder>? logger = null)
    : IComponentBuilder
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public IServiceProvider Services => services;

    public RegistryTree Tree => tree;

    public object Build(string registry, ConfigDict cfg, IReadOnlyDictionary<string, object?>? defaultArgs = null, string? keyPath = null)
    {
        string path = keyPath ?? registry;
        var args = new ConfigDict(cfg);
        if (defaultArgs is not null)
            foreach (var (k, v) in defaultArgs) args.SetDefault(k, v);

        var scope = args.Pop("_scope_");
        if (scope is not null and not string)
            throw new KilnException($"{path}._scope_ must be a scope name string, not {ConfigFormatter.Format(scope)}; scopes: {string.Join(", ", tree.Scopes)}.");
        using var _ = DefaultScope.Overwrite((string?)scope);

        var node = ResolveNode(registry, path);
        var typeValue = args.Pop("type")
            ?? throw new KilnException($"{path}: the dict must contain the key \"type\" naming a component of the {node.Scope}::{registry} registry (got keys: {string.Join(", ", cfg.Keys)}).");
        if (typeValue is not string typeName)
            throw new KilnException($"{path}.type must be a string naming a registered component, not {ConfigFormatter.Format(typeValue)}.");

        var registration = node.Get(typeName) ?? throw NotRegistered(typeName, node, path);
        // REG-14: MMEngine's DEBUG lines for every registry build (Registry.get, then build_from_cfg).
        string shortName = registration.Type?.Name ?? registration.Method?.Name ?? registration.Name;
        _logger.LogDebug("Get class `{Name}` from \"{Registry}\" registry in \"{Scope}\"", shortName, registry, registration.Scope);
        try
        {
            object built = registration switch
            {
                { Factory: { } factory } => factory(this, args),
                { Method: { } method } => ParameterBinder.Call(method, args, this, path)
                    ?? throw new KilnException($"{path} ({typeName}): the function returned null."),
                _ => ParameterBinder.Construct(registration.Type!, args, this, path),
            };
            if (registration.Factory is null)
                _logger.LogDebug("An `{Name}` instance is built from registry, its implementation can be found in {Module}",
                    shortName, registration.Type?.Namespace ?? registration.Method!.DeclaringType?.FullName);
            else
                _logger.LogDebug("An instance is built from registry, and its constructor is the factory `{Name}`", registration.Name);
            return built;
        }
        catch (TargetInvocationException e) when (e.InnerException is KilnException inner)
        {
            throw new KilnException($"{path} ({typeName}): {inner.Message}", inner);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            // Whatever a constructor throws, the user learns which config entry built it.
            throw new KilnException($"{path} ({typeName}): {inner.GetType().Name}: {inner.Message}", inner);
        }
    }

    /// <summary>
    /// MMEngine's <c>partial(FUNCTIONS.get(type), **cfg)</c>, as its Runner takes <c>collate_fn</c>: resolves a
    /// registered function (in the default scope, honouring <c>_scope_</c>), binds the config's keys, and returns a
    /// call taking the remaining parameters positionally.
    /// </summary>
    public Func<object?[], object?> Partial(string registry, ConfigDict cfg, string? keyPath = null)
    {
        string path = keyPath ?? registry;
        var args = new ConfigDict(cfg);
        var scope = args.Pop("_scope_");
        if (scope is not null and not string)
            throw new KilnException($"{path}._scope_ must be a scope name string, not {ConfigFormatter.Format(scope)}; scopes: {string.Join(", ", tree.Scopes)}.");
        using var _ = DefaultScope.Overwrite((string?)scope);
        var node = ResolveNode(registry, path);
        if (args.Pop("type") is not string typeName)
            throw new KilnException($"{path}.type must name a function of the {node.Scope}::{registry} registry.");
        var registration = node.Get(typeName) ?? throw NotRegistered(typeName, node, path);
        return registration.Method is { } method
            ? ParameterBinder.Partial(method, args, this, path)
            : throw new KilnException($"{path}.type: '{typeName}' is {registration.Origin}, not a function that can be called with arguments.");
    }

    private Registry ResolveNode(string registry, string path)
    {
        var root = tree[registry];
        if (DefaultScope.Name is not { } scope) return root;
        if (root.SearchChild(scope) is { } node) return node;
        _logger.LogWarning("{Path}: failed to search registry with scope \"{Scope}\" in the \"{Registry}\" registry tree; the {Root} scope is used. Loaded scopes: {Scopes}.",
            path, scope, registry, RegistryTree.RootScope, string.Join(", ", tree.Scopes));
        return root;
    }

    internal static KilnException NotRegistered(string typeName, Registry node, string path)
    {
        var visible = node.VisibleNames().ToList();
        var closest = NameSuggester.Closest(typeName, visible);
        string hint = closest.Count > 0 ? $" Did you mean {string.Join(", ", closest.Select(c => $"'{c}'"))}?" : "";
        string listed = visible.Count <= 40 ? string.Join(", ", visible) : string.Join(", ", visible.Take(40)) + $", … ({visible.Count} in all)";
        return new KilnException(
            $"{path}.type: '{typeName}' is not in the {node.Scope}::{node.Name} registry.{hint} " +
            $"Registered names visible from scope '{node.Scope}': {listed}. " +
            "Use 'scope.Name' for a component of another plugin, and 'kiln plugins list' to see the loaded plugins.");
    }

    /// <summary>
    /// The registration <paramref name="typeName"/> names in <paramref name="registry"/>, looked up from the current
    /// default scope as <see cref="Build"/> does, with the same "did you mean" error when it is not there.
    /// </summary>
    public Registration Resolve(string registry, string typeName, string keyPath) =>
        ResolveNode(registry, keyPath) is var node && node.Get(typeName) is { } registration
            ? registration
            : throw NotRegistered(typeName, ResolveNode(registry, keyPath), keyPath);

    private static readonly AsyncLocal<IReadOnlyDictionary<Type, object>?> Ambient = new();

    /// <summary>
    /// Makes <paramref name="instance"/> the value of parameters of type <typeparamref name="T"/> for builds inside
    /// the returned scope (the Runner provides its message hub this way: one per run, not one per host).
    /// </summary>
    public static IDisposable Provide<T>(T instance) where T : class
    {
        var previous = Ambient.Value;
        var next = new Dictionary<Type, object>(previous ?? new Dictionary<Type, object>()) { [typeof(T)] = instance };
        Ambient.Value = next;
        return new RestoreAmbient(previous);
    }

    private sealed class RestoreAmbient(IReadOnlyDictionary<Type, object>? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }

    /// <summary>A value provided for this build (<see cref="Provide{T}"/>), else a service from the container, or null.</summary>
    internal object? GetService(Type type) =>
        Ambient.Value is { } provided && provided.TryGetValue(type, out var value) ? value : services.GetService(type);

    /// <summary>Types <see cref="Provide{T}"/> supplies in a run, so <c>config validate</c> counts them as given.</summary>
    internal static IReadOnlyList<Type> RunnerProvidedTypes { get; } = [typeof(Logging.IMessageHub)];

    /// <summary>Creates an instance with all parameters from the container.</summary>
    public T Create<T>() where T : notnull => ActivatorUtilities.CreateInstance<T>(services);
}
