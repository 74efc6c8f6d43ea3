using Kiln.Config;
using Kiln.Plugins;
using Kiln.Registry;

namespace Kiln.Hosting;

/// <summary>The loaded plugins and the registry tree they registered into; one per host.</summary>
public sealed class PluginCatalog(RegistryTree tree, IReadOnlyList<LoadedPlugin> plugins) : IConfigScopeResolver
{
    public RegistryTree Tree { get; } = tree;

    public IReadOnlyList<LoadedPlugin> Plugins { get; } = plugins;

    /// <summary>The plugin that owns <paramref name="scope"/>, or null.</summary>
    public LoadedPlugin? ForScope(string scope) => Plugins.FirstOrDefault(p => p.Scope == scope);

    /// <summary>A plugin's <c>configs/</c> folder, where <c>scope::path</c> config bases resolve.</summary>
    public string? GetConfigRoot(string scope) => ForScope(scope)?.ConfigsDirectory;

    public IReadOnlyCollection<string> Scopes => Plugins.Select(p => p.Scope).ToList();
}
