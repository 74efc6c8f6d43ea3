using Kiln.Config;
using Kiln.Registry;
using Kiln.Visualization;

namespace Kiln;

public partial class Runner
{
    /// <summary>MMEngine's backends that talk to services or Python packages Kiln has no client for.</summary>
    private static readonly Dictionary<string, string> UnavailableBackends = new(StringComparer.Ordinal)
    {
        ["WandbVisBackend"] = "the wandb service",
        ["MLflowVisBackend"] = "MLflow",
        ["ClearMLVisBackend"] = "the ClearML service",
        ["NeptuneVisBackend"] = "the Neptune service",
        ["DVCLiveVisBackend"] = "DVCLive",
        ["AimVisBackend"] = "Aim",
    };

    /// <summary>
    /// MMEngine's <c>build_visualizer</c> (runner.py:773): no <c>visualizer</c> key means
    /// <c>Visualizer(name=experiment_name, vis_backends=[LocalVisBackend], save_dir=log_dir)</c>; a dict is built
    /// from the <c>visualizer</c> registry with <c>name</c> and <c>save_dir</c> defaulted the same way. Backends
    /// write under <c>log_dir/vis_data</c>. The config then goes to every backend (<c>add_config</c>).
    /// </summary>
    private Visualizer BuildVisualizer(object? value)
    {
        Visualizer visualizer;
        if (value is null)
            visualizer = new Visualizer(ExperimentName, visBackends: [new LocalVisBackend()], saveDir: LogDir);
        else if (value is Visualizer ready)
            visualizer = ready;
        else
        {
            var cfg = value as ConfigDict
                ?? throw new KilnException($"visualizer = {ConfigFormatter.Format(value)} must be a dict like dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]).");
            var backends = cfg.Get("vis_backends") switch
            {
                ConfigDict one => [one],
                List<object?> list => list,
                _ => [],
            };
            for (int i = 0; i < backends.Count; i++)
                if (backends[i] is ConfigDict b && b.Type is { } type && UnavailableBackends.TryGetValue(type, out var needs))
                    throw new KilnException($"visualizer.vis_backends[{i}].type = '{type}' is not available in Kiln: it needs {needs}, which Kiln has no .NET client for (and runs offline). Use LocalVisBackend or TensorboardVisBackend.");
            visualizer = Build<Visualizer>(Registries.Visualizers, WithDefaultType(cfg, nameof(Visualization.Visualizer)), "visualizer",
                new Dictionary<string, object?> { ["name"] = ExperimentName, ["save_dir"] = LogDir });
        }
        foreach (var skipped in visualizer.SkippedBackends)
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Logger, "Failed to build {Backend}, please provide the `save_dir` argument.", skipped);
        if (Cfg.Count > 0) visualizer.AddConfig(ConfigText);
        return visualizer;
    }
}
