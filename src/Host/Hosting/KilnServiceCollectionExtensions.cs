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
    /// plugin's services. Order: host components (root scope), then plugins in folder order.
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
        if (options.LoadPluginFolders)
            foreach (var path in PluginLoader.Discover(PluginLoader.DefaultRoots(options.PluginRoots)))
                plugins.Add(PluginLoader.Load(path));
        foreach (var entry in options.InProcessPlugins)
        {
            var asm = entry.GetType().Assembly;
            plugins.Add(new LoadedPlugin(asm.GetName().Name!, entry.Scope, asm.GetName().Version?.ToString(3) ?? "0.0.0",
                Path.GetDirectoryName(asm.Location) ?? AppContext.BaseDirectory, asm, entry));
        }
        foreach (var plugin in plugins)
        {
            var registrar = tree.AddScope(plugin.Scope);
            RegisterScanned(services, registrar, plugin.Assembly);
            plugin.Entry.Register(registrar);
            plugin.Entry.ConfigureServices(services);
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton(tree);
        services.TryAddSingleton(new PluginCatalog(tree, plugins));
        services.TryAddSingleton<ComponentBuilder>();
        services.TryAddSingleton<IComponentBuilder>(sp => sp.GetRequiredService<ComponentBuilder>());
        return services;
    }

    /// <summary>Scans <paramref name="assembly"/> with Scrutor for <see cref="RegisterAttribute"/> classes, adds them to DI, and registers them.</summary>
    private static void RegisterScanned(IServiceCollection services, IPluginRegistrar registrar, Assembly assembly)
    {
        int before = services.Count;
        services.Scan(scan => scan.FromAssemblies(assembly)
            .AddClasses(c => c.WithAttribute<RegisterAttribute>(), publicOnly: false)
            .AsSelf()
            .WithTransientLifetime());
        var scanned = services.Skip(before).Select(d => d.ImplementationType).OfType<Type>().Distinct().ToList();
        RegistryTree.RegisterAttributed(registrar, scanned);
    }
}
