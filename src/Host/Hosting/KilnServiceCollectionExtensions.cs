using System.Reflection;
using Kiln.Plugins;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kiln.Hosting;

/// <summary>Composes Kiln into a service collection: plugins, registries, the component builder.</summary>
public static class KilnServiceCollectionExtensions
{
    /// <summary>
    /// Loads the plugins, registers the host's and each plugin's <see cref="RegisterAttribute"/> classes (found by
    /// Scrutor's assembly scan) and explicit registrations into a fresh <see cref="RegistryTree"/>, and adds each
    /// plugin's services. Order: host components (root scope), then folder plugins in folder order, then in-process
    /// plugins. A folder plugin that cannot work (see <see cref="PluginProblem"/>) is checked from its metadata before
    /// any of its code runs where possible, skipped with nothing of it kept, and listed in
    /// <see cref="PluginCatalog.Skipped"/>; with <see cref="KilnHostOptions.StrictPlugins"/> any such plugin is an error.
    /// </summary>
    public static IServiceCollection AddKiln(this IServiceCollection services, Action<KilnHostOptions>? configure = null)
    {
        var options = new KilnHostOptions();
        configure?.Invoke(options);

        var tree = new RegistryTree();
        var root = tree.RootRegistrar();
        RegisterScanned(services, root, typeof(KilnServiceCollectionExtensions).Assembly);
        BuiltinComponents.Register(root);

        var plugins = new List<LoadedPlugin>();
        var skipped = new List<SkippedPlugin>();
        if (options.LoadPluginFolders)
            foreach (var path in PluginLoader.Discover(PluginLoader.DefaultRoots(options.PluginRoots)))
            {
                var (plugin, problem) = LoadAndRegister(services, tree, plugins, path);
                if (plugin is not null) plugins.Add(plugin);
                if (problem is not null) skipped.Add(problem);
            }
        if (options.StrictPlugins && skipped.Count > 0)
            throw new KilnException(
                $"--strict-plugins: {skipped.Count} plugin(s) could not be loaded:{Environment.NewLine}" +
                string.Join(Environment.NewLine, skipped.Select(s => "  " + s.Message)));

        foreach (var entry in options.InProcessPlugins)
        {
            var asm = entry.GetType().Assembly;
            var plugin = new LoadedPlugin(asm.GetName().Name!, entry.Scope, asm.GetName().Version?.ToString(3) ?? "0.0.0",
                Path.GetDirectoryName(asm.Location) ?? AppContext.BaseDirectory, asm, entry);
            Register(services, tree, plugin);
            plugins.Add(plugin);
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton(tree);
        services.TryAddSingleton(new PluginCatalog(tree, plugins, skipped));
        services.TryAddSingleton<ComponentBuilder>();
        services.TryAddSingleton<IComponentBuilder>(sp => sp.GetRequiredService<ComponentBuilder>());
        return services;
    }

    /// <summary>
    /// Checks one folder plugin (metadata first: attribute, API version, scope, dependencies), loads it and registers
    /// it. Returns the plugin, or why it was skipped; a plugin that throws while registering leaves nothing behind.
    /// </summary>
    private static (LoadedPlugin? Plugin, SkippedPlugin? Problem) LoadAndRegister(
        IServiceCollection services, RegistryTree tree, IReadOnlyList<LoadedPlugin> loaded, string path)
    {
        PluginMetadata metadata;
        try
        {
            metadata = PluginMetadata.Read(path);
        }
        catch (KilnException e)
        {
            return (null, new SkippedPlugin(Path.GetFileNameWithoutExtension(path), null, "?", null, path, PluginProblem.NotAPlugin, e.Message));
        }
        SkippedPlugin Skip(PluginProblem problem, string reason) =>
            new(metadata.Name, metadata.Scope, metadata.Version, metadata.ApiVersion, path, problem, reason);

        if (metadata.Scope is not { } scope || metadata.ApiVersion is not { } api)
            return (null, Skip(PluginProblem.NotAPlugin,
                "its assembly has no [assembly: KilnPlugin(\"<scope>\")] attribute (Kiln.Registry.KilnPluginAttribute), which every plugin declares"));
        if (PluginMetadata.Incompatibility(api) is { } incompatible)
            return (null, Skip(PluginProblem.IncompatibleApi, incompatible));
        if (scope == RegistryTree.RootScope)
            return (null, Skip(PluginProblem.DuplicateScope, $"scope '{scope}' is the host's root scope"));
        if (loaded.FirstOrDefault(p => p.Scope == scope) is { } owner)
            return (null, Skip(PluginProblem.DuplicateScope,
                $"scope '{scope}' is already taken by plugin {owner.Name} at {owner.Directory}; each plugin needs its own scope"));
        if (PluginLoader.MissingDependencies(metadata) is [_, ..] missing)
            return (null, Skip(PluginProblem.MissingDependency,
                $"it references {string.Join(", ", missing.Select(m => $"{m.Name} {m.Version}"))}, which is neither in its folder nor provided by the host; " +
                "copy the plugin's whole build output (dotnet publish) into its folder"));

        LoadedPlugin plugin;
        try
        {
            plugin = PluginLoader.Load(path, metadata);
        }
        catch (Exception e)
        {
            return (null, Skip(PluginProblem.LoadFailed, e is KilnException ? e.Message : $"loading it threw {e.GetType().Name}: {e.Message}"));
        }
        try
        {
            Register(services, tree, plugin);
        }
        catch (Exception e)
        {
            tree.RemoveScope(plugin.Scope);
            return (null, Skip(PluginProblem.RegistrationFailed, e is KilnException
                ? $"registering its components failed: {e.Message}"
                : $"registering its components threw {e.GetType().Name}: {e.Message}"));
        }
        return (plugin, null);
    }

    /// <summary>
    /// Adds <paramref name="plugin"/>'s scope, its scanned and explicit registrations and its services. Services are
    /// staged and added only when everything succeeded, so a plugin that throws half way adds none.
    /// </summary>
    private static void Register(IServiceCollection services, RegistryTree tree, LoadedPlugin plugin)
    {
        var registrar = tree.AddScope(plugin.Scope);
        var staged = new ServiceCollection();
        RegisterScanned(staged, registrar, plugin.Assembly);
        plugin.Entry.Register(registrar);
        plugin.Entry.ConfigureServices(staged);
        foreach (var descriptor in staged) services.Add(descriptor);
    }

    /// <summary>
    /// Scans <paramref name="assembly"/> with Scrutor for <see cref="RegisterAttribute"/> classes, adds them to DI, and
    /// registers them; then registers its <see cref="RegisterAttribute"/> static methods as functions.
    /// </summary>
    private static void RegisterScanned(IServiceCollection services, IPluginRegistrar registrar, Assembly assembly)
    {
        int before = services.Count;
        services.Scan(scan => scan.FromAssemblies(assembly)
            .AddClasses(c => c.WithAttribute<RegisterAttribute>(), publicOnly: false)
            .AsSelf()
            .WithTransientLifetime());
        var scanned = services.Skip(before).Select(d => d.ImplementationType).OfType<Type>().Distinct().ToList();
        RegistryTree.RegisterAttributed(registrar, scanned);
        RegistryTree.RegisterAttributedMethods(registrar, assembly);
    }
}
