using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>Registers the benchmark's probe hook under scope <c>bench</c>.</summary>
public sealed class BenchPlugin : IKilnPlugin
{
    public string Scope => "bench";
}

/// <summary>The benchmarks' host: the given plugins in process (no plugin folders), plus <see cref="BenchPlugin"/>, logging discarded.</summary>
internal static class BenchHost
{
    /// <summary>With no plugins given: the Vision and Metrics plugins (the bundled LeNet-5 config's).</summary>
    public static Microsoft.Extensions.Hosting.IHost Create(params IKilnPlugin[] plugins) => Hosting.KilnHost.Create(o =>
    {
        o.LoadPluginFolders = false;
        o.InProcessPlugins.AddRange(plugins.Length > 0 ? plugins : [new Vision.VisionPlugin(), new Metrics.MetricsPlugin()]);
        o.InProcessPlugins.Add(new BenchPlugin());
    }, TextWriter.Null);
}
