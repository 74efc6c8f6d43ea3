using Kiln.Config;
using Kiln.Plugins;
using Kiln.Registry;

namespace Kiln.Hosting;

/// <summary>The loaded plugins, the ones skipped (and why), and the registry tree they registered into; one per host.</summary>
public sealed class PluginCatalog(RegistryTree tree, IReadOnlyList<LoadedPlugin> plugins, IReadOnlyList<SkippedPlugin>? skipped = null)
    : IConfigScopeResolver
{
    public RegistryTree Tree { get; } = tree;

    public IReadOnlyList<LoadedPlugin> Plugins { get; } = plugins;

    /// <summary>Plugins found in the plugin folders and not loaded, in the order they were found.</summary>
    public IReadOnlyList<SkippedPlugin> Skipped { get; } = skipped ?? [];

    /// <summary>The plugin whose assembly defines <paramref name="type"/>, or null (a host type).</summary>
    public LoadedPlugin? ForType(Type type) => Plugins.FirstOrDefault(p => p.Assembly == type.Assembly);

    /// <summary>The plugin that owns <paramref name="scope"/>, or null.</summary>
    public LoadedPlugin? ForScope(string scope) => Plugins.FirstOrDefault(p => p.Scope == scope);

    /// <summary>A plugin's <c>configs/</c> folder, where <c>scope::path</c> config bases resolve.</summary>
    public string? GetConfigRoot(string scope) => ForScope(scope)?.ConfigsDirectory;

    public IReadOnlyCollection<string> Scopes => Plugins.Select(p => p.Scope).ToList();
}
