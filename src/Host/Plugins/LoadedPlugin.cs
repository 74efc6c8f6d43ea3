using System.Reflection;
using Kiln.Registry;

namespace Kiln.Plugins;

/// <summary>A plugin the host has loaded: its entry object, assembly, folder and scope.</summary>
public sealed record LoadedPlugin(string Name, string Scope, string Version, string Directory, Assembly Assembly, IKilnPlugin Entry)
{
    /// <summary>The plugin's <c>configs/</c> folder, where <c>scope::path</c> config bases resolve.</summary>
    public string ConfigsDirectory => Path.Combine(Directory, "configs");
}
