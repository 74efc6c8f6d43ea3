using Kiln.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kiln.Hosting;

/// <summary>Creates the generic host every <c>kiln</c> command runs in: MMEngine-format logging, plugins, registries.</summary>
public static class KilnHost
{
    public static IHost Create(Action<KilnHostOptions>? configure = null, TextWriter? console = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        Configure(builder, configure, console);
        var host = builder.Build();
        WarnSkippedPlugins(host.Services);
        return host;
    }

    /// <summary>Adds Kiln to a host builder (the plain host above, or <c>kiln serve</c>'s web host): logging, plugins, registries.</summary>
    public static void Configure(IHostApplicationBuilder builder, Action<KilnHostOptions>? configure = null, TextWriter? console = null)
    {
        var provider = new MMLoggerProvider(LogLevel.Information, console);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(provider);
        builder.Services.AddSingleton(provider);
        builder.Services.AddKiln(configure);
    }

    /// <summary>Logs a warning for each plugin the host skipped.</summary>
    public static void WarnSkippedPlugins(IServiceProvider services)
    {
        var catalog = services.GetRequiredService<PluginCatalog>();
        if (catalog.Skipped.Count == 0) return;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Kiln.Plugins");
        foreach (var skipped in catalog.Skipped)
            logger.LogWarning("{Message} The other plugins keep working; --strict-plugins makes this an error.", skipped.Message);
    }
}
