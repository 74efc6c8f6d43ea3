using Kiln.Config;
using Kiln.Hosting;
using Kiln.Registry;
using Kiln.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Guide.Tests;

/// <summary>
/// The registries a guide config is checked against: the bundled plugins from folders (vision, metrics, gan) and the
/// guide's own scope in-process, as <c>KilnHost.Create(o =&gt; o.InProcessPlugins.Add(new GuidePlugin()))</c> has them.
/// </summary>
public sealed class GuideHost : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSingleton(new Logging.MMLoggerProvider(Microsoft.Extensions.Logging.LogLevel.Information, TextWriter.Null))
        .AddLogging()
        .AddKiln(o => o.InProcessPlugins.Add(new GuidePlugin()))
        .BuildServiceProvider();

    public IServiceProvider Services => _services;

    /// <summary>Config loading as <c>kiln train</c> does it: plugin configs resolve <c>scope::path</c> bases.</summary>
    public ConfigLoadOptions LoadOptions => new() { ScopeResolver = _services.GetRequiredService<PluginCatalog>() };

    /// <summary>What <c>kiln config validate</c> reports for <paramref name="cfg"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(ConfigDict cfg) =>
        new ConfigValidator(_services.GetRequiredService<RegistryTree>(), _services).Validate(cfg);

    public void Dispose() => _services.Dispose();
}

/// <summary>A temporary current directory holding a copy of examples/Guide/configs, restored on dispose.</summary>
public sealed class GuideWorkDir : IDisposable
{
    private readonly string _previous = Environment.CurrentDirectory;
    private readonly TempDir _tmp = new();

    public GuideWorkDir()
    {
        var source = Path.Combine(RepoPaths.Root, "examples", "Guide", "configs");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_tmp.Path, "examples", "Guide", "configs", Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Environment.CurrentDirectory = _tmp.Path;
    }

    public string Root => _tmp.Path;

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        _tmp.Dispose();
    }
}
