using Kiln.Config;

namespace Kiln.Registry;

/// <summary>
/// Builds components from config dicts (MMEngine's <c>Registry.build</c>): resolves <c>type</c> in the current
/// default scope with parent fallback, honours <c>scope.Type</c> and <c>_scope_</c>, and binds the remaining keys
/// to constructor parameters (snake_case to camelCase), filling the rest from the service container.
/// Plugins get it from DI to build nested components.
/// </summary>
public interface IComponentBuilder
{
    /// <summary>The services constructors draw on for parameters the config does not give.</summary>
    IServiceProvider Services { get; }

    /// <summary>Builds <paramref name="cfg"/> from <paramref name="registry"/>.</summary>
    /// <param name="registry">One of <see cref="Registries"/>.</param>
    /// <param name="cfg">A dict with a <c>type</c> key.</param>
    /// <param name="defaultArgs">Values used where <paramref name="cfg"/> has no such key (the config wins).</param>
    /// <param name="keyPath">Where <paramref name="cfg"/> sits in the config (<c>model.backbone</c>), for errors.</param>
    object Build(string registry, ConfigDict cfg, IReadOnlyDictionary<string, object?>? defaultArgs = null, string? keyPath = null);

    /// <summary>Builds and checks the result is a <typeparamref name="T"/>.</summary>
    T Build<T>(string registry, ConfigDict cfg, IReadOnlyDictionary<string, object?>? defaultArgs = null, string? keyPath = null)
        where T : class
    {
        object built = Build(registry, cfg, defaultArgs, keyPath);
        return built as T ?? throw new KilnException(
            $"{keyPath ?? "config"}: type '{cfg.Type}' built a {built.GetType().Name}, but a {typeof(T).Name} is needed here.");
    }
}
