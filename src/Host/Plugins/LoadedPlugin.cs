using System.Reflection;
using Kiln.Registry;

namespace Kiln.Plugins;

/// <summary>A plugin the host has loaded: its entry object, assembly, folder, scope and the Kiln API it was built for.</summary>
public sealed record LoadedPlugin(string Name, string Scope, string Version, string Directory, Assembly Assembly, IKilnPlugin Entry,
    string ApiVersion = KilnApi.Version)
{
    /// <summary>The plugin's <c>configs/</c> folder, where <c>scope::path</c> config bases resolve.</summary>
    public string ConfigsDirectory => Path.Combine(Directory, "configs");
}

/// <summary>Why the host skipped a plugin (or, with <c>--strict-plugins</c>, stopped).</summary>
public enum PluginProblem
{
    /// <summary>The file is no readable .NET assembly, or has no <see cref="KilnPluginAttribute"/>.</summary>
    NotAPlugin,

    /// <summary>Built for a Kiln API version this host does not provide (a newer minor, or another major).</summary>
    IncompatibleApi,

    /// <summary>Its scope is already owned by a plugin loaded before it (or is the root scope).</summary>
    DuplicateScope,

    /// <summary>It references an assembly that is neither in its folder nor provided by the host.</summary>
    MissingDependency,

    /// <summary>Loading its assembly or creating its entry class failed.</summary>
    LoadFailed,

    /// <summary>Its registrations or services threw; nothing it registered is kept.</summary>
    RegistrationFailed,
}

/// <summary>A plugin the host found and did not load, with what it knew of it and why.</summary>
public sealed record SkippedPlugin(string Name, string? Scope, string Version, string? ApiVersion, string AssemblyPath, PluginProblem Problem, string Reason)
{
    public string Directory => Path.GetDirectoryName(AssemblyPath) ?? AssemblyPath;

    /// <summary>One line for logs and errors: which plugin, where, and why.</summary>
    public string Message => $"plugin {Name}{(Scope is null ? "" : $" (scope '{Scope}')")} at {Directory} was skipped: {Reason.TrimEnd('.')}.";
}
