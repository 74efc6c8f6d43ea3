using System.Reflection;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;
using McMasterLoader = McMaster.NETCore.Plugins.PluginLoader;

namespace Kiln.Plugins;

/// <summary>
/// Finds plugin folders and loads each in its own load context. A plugin folder holds
/// <c>&lt;Assembly&gt;.dll</c> and its <c>&lt;Assembly&gt;.deps.json</c>; the host shares exactly
/// <c>Kiln.Abstractions</c>, <c>TorchSharp</c> and the <c>Microsoft.Extensions.*.Abstractions</c> assemblies with
/// plugins (DESIGN.md), so a plugin's model is a host <c>nn.Module</c> while its other dependencies stay private.
/// </summary>
public static class PluginLoader
{
    /// <summary>The types whose assemblies plugins share with the host.</summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(IKilnPlugin), typeof(torch), typeof(IServiceCollection), typeof(ILogger),
    ];

    /// <summary>
    /// The plugin folders the host loads: <c>plugins/</c> beside the executable when it exists, then
    /// <c>KILN_PLUGINS</c> when set, else the user plugins folder <c>~/.kiln/plugins</c> when it exists (where
    /// <c>kiln plugins install</c> puts plugins), then <paramref name="extraRoots"/> (which must exist:
    /// <see cref="Discover"/> checks).
    /// </summary>
    public static IReadOnlyList<string> DefaultRoots(IEnumerable<string> extraRoots)
    {
        var roots = new List<string>();
        string bundled = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (System.IO.Directory.Exists(bundled)) roots.Add(bundled);
        if (Environment.GetEnvironmentVariable("KILN_PLUGINS") is { Length: > 0 } env)
            roots.AddRange(env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        else if (System.IO.Directory.Exists(UserRoot)) roots.Add(UserRoot);
        roots.AddRange(extraRoots);
        return roots;
    }

    /// <summary>
    /// Where <c>kiln plugins install</c> puts plugins: the first folder in <c>KILN_PLUGINS</c> when set, else
    /// <c>~/.kiln/plugins</c>.
    /// </summary>
    public static string UserRoot =>
        Environment.GetEnvironmentVariable("KILN_PLUGINS") is { Length: > 0 } env
            && env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            ? Path.GetFullPath(first)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kiln", "plugins");

    /// <summary>
    /// Every plugin entry assembly under <paramref name="roots"/>: a root is either a plugin folder itself or a
    /// folder of plugin folders. A root that does not exist is an error; <see cref="DefaultRoots"/> leaves out an
    /// absent <c>plugins/</c>, so only roots someone named can be missing.
    /// </summary>
    public static IReadOnlyList<string> Discover(IReadOnlyList<string> roots)
    {
        var found = new List<string>();
        foreach (var given in roots)
        {
            string root = Path.GetFullPath(given);
            if (!System.IO.Directory.Exists(root))
                throw new KilnException($"plugin folder '{given}' does not exist (from --plugins or KILN_PLUGINS).");
            if (EntryAssemblyIn(root) is { } direct) { found.Add(direct); continue; }
            foreach (var dir in System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal))
                if (EntryAssemblyIn(dir) is { } entry) found.Add(entry);
        }
        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The dll in <paramref name="dir"/> that has a matching <c>.deps.json</c> and is not a shared assembly.</summary>
    internal static string? EntryAssemblyIn(string dir) =>
        System.IO.Directory.GetFiles(dir, "*.deps.json")
            .Select(deps => Path.Combine(dir, Path.GetFileName(deps)[..^".deps.json".Length] + ".dll"))
            .FirstOrDefault(File.Exists);

    /// <summary>Loads one plugin assembly and creates its <see cref="IKilnPlugin"/> entry.</summary>
    public static LoadedPlugin Load(string assemblyPath) => Load(assemblyPath, PluginMetadata.Read(assemblyPath));

    /// <summary>
    /// Loads one plugin assembly, whose <paramref name="metadata"/> the host has already checked, in its own load
    /// context and creates its <see cref="IKilnPlugin"/> entry. Every failure is a <see cref="KilnException"/> that
    /// names the plugin; what the plugin's own code throws is its inner exception.
    /// </summary>
    public static LoadedPlugin Load(string assemblyPath, PluginMetadata metadata)
    {
        // Only SharedTypes' assemblies (and what they reference) come from the host. PreferSharedTypes would send
        // every assembly the host can resolve to the host's context, so a plugin's private Newtonsoft.Json 13.0.1
        // silently became the host's 13.0.3 whenever the host carried one.
        var loader = McMasterLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes);
        Assembly assembly;
        try
        {
            assembly = loader.LoadDefaultAssembly();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            throw new KilnException($"plugin '{assemblyPath}' could not be loaded: {e.Message}", e);
        }
        List<Type> entryTypes;
        try
        {
            entryTypes = assembly.GetTypes().Where(t => typeof(IKilnPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
        }
        catch (ReflectionTypeLoadException e)
        {
            var first = e.LoaderExceptions.OfType<Exception>().FirstOrDefault();
            throw new KilnException($"plugin '{metadata.Name}' has types that cannot be loaded: {first?.Message ?? e.Message}", e);
        }
        if (entryTypes.Count != 1)
            throw new KilnException(
                $"plugin '{assemblyPath}' must have exactly one class implementing IKilnPlugin; found {entryTypes.Count}" +
                (entryTypes.Count > 1 ? $" ({string.Join(", ", entryTypes.Select(t => t.FullName))})." : ". Did it reference a different Kiln.Abstractions?"));
        IKilnPlugin entry;
        try
        {
            entry = (IKilnPlugin)Activator.CreateInstance(entryTypes[0])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new KilnException($"plugin '{metadata.Name}': its entry class {entryTypes[0].FullName} threw {inner.GetType().Name}: {inner.Message}", inner);
        }
        if (metadata.Scope is { } declared && entry.Scope != declared)
            throw new KilnException(
                $"plugin '{metadata.Name}' declares scope '{declared}' in [assembly: KilnPlugin], but its entry class {entryTypes[0].FullName} says '{entry.Scope}'; make them agree.");
        return new LoadedPlugin(metadata.Name, entry.Scope, metadata.Version, Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!, assembly, entry,
            metadata.ApiVersion ?? KilnApi.Version);
    }

    /// <summary>
    /// The assemblies <paramref name="metadata"/> references that would not resolve: not in the plugin's folder
    /// (or below it), not among the host's assemblies, not in the runtime. Read from metadata, before loading.
    /// </summary>
    public static IReadOnlyList<AssemblyName> MissingDependencies(PluginMetadata metadata)
    {
        string folder = Path.GetDirectoryName(metadata.AssemblyPath)!;
        var local = System.IO.Directory.EnumerateFiles(folder, "*.dll", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var host = HostAssemblyNames.Value;
        return metadata.References.Where(r => r.Name is { } n && !local.Contains(n) && !host.Contains(n)).ToList();
    }

    /// <summary>The runtime's and the host's assemblies: the trusted platform assemblies, the host folder, and what is loaded.</summary>
    private static readonly Lazy<HashSet<string>> HostAssemblyNames = new(() =>
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                names.Add(Path.GetFileNameWithoutExtension(path));
        foreach (var path in System.IO.Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            names.Add(Path.GetFileNameWithoutExtension(path));
        foreach (var assembly in System.Runtime.Loader.AssemblyLoadContext.Default.Assemblies)
            if (assembly.GetName().Name is { } n) names.Add(n);
        return names;
    });
}
