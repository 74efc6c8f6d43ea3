using Kiln.Config;

namespace Kiln;

/// <summary>
/// MMEngine's <c>visualizer</c> config, as far as Kiln builds it: the base <c>Visualizer</c> with
/// <c>LocalVisBackend</c>, which receives the LoggerHook's scalars (<c>vis_data/scalars.json</c> and
/// <c>vis_data/&lt;timestamp&gt;.json</c>). No <c>visualizer</c> key means MMEngine's default,
/// <c>dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])</c>; <c>vis_backends=[]</c> writes no
/// scalar files. Drawing visualizers (<c>DetLocalVisualizer</c> …) and the TensorBoard, WandB and other backends
/// arrive with issue 7 and are errors until then.
/// </summary>
internal sealed record VisualizerSettings(string? ScalarSaveFile, string? Name)
{
    private static readonly string[] VisualizerKeys = ["type", "name", "vis_backends", "save_dir"];
    private static readonly string[] LocalBackendKeys = ["type", "save_dir", "img_save_dir", "config_save_file", "scalar_save_file"];

    public static VisualizerSettings From(object? value)
    {
        if (value is null) return new VisualizerSettings("scalars.json", null);
        var cfg = value as ConfigDict
            ?? throw new KilnException($"visualizer = {ConfigFormatter.Format(value)} must be a dict like dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]).");
        foreach (var key in cfg.Keys)
            if (!VisualizerKeys.Contains(key))
                throw new KilnException($"visualizer.{key} is not a Visualizer option; valid: {string.Join(", ", VisualizerKeys)}.");
        if (cfg.Get("type", "Visualizer") is not "Visualizer")
            throw new KilnException($"visualizer.type = {ConfigFormatter.Format(cfg.Get("type"))}: only the base 'Visualizer' (scalars to LocalVisBackend) is built yet; drawing visualizers arrive with issue 7.");
        var backends = cfg.Get("vis_backends") switch
        {
            null => [],
            ConfigDict one => [one],
            List<object?> list => list,
            var v => throw new KilnException($"visualizer.vis_backends = {ConfigFormatter.Format(v)} must be a list of backend dicts, e.g. [dict(type='LocalVisBackend')]."),
        };
        string? scalarFile = null;
        for (int i = 0; i < backends.Count; i++)
        {
            string path = $"visualizer.vis_backends[{i}]";
            var backend = backends[i] as ConfigDict ?? throw new KilnException($"{path} must be a dict like dict(type='LocalVisBackend').");
            if (backend.Type is not "LocalVisBackend")
                throw new KilnException($"{path}.type = {ConfigFormatter.Format(backend.Get("type"))}: only LocalVisBackend is built yet; TensorBoard and the other backends arrive with issue 7.");
            foreach (var key in backend.Keys)
                if (!LocalBackendKeys.Contains(key))
                    throw new KilnException($"{path}.{key} is not a LocalVisBackend option; valid: {string.Join(", ", LocalBackendKeys)}.");
            if (backend.Get("save_dir") is not null)
                throw new KilnException($"{path}.save_dir: Kiln's LocalVisBackend writes under the run's log_dir/vis_data, as the Runner sets it in MMEngine; remove save_dir.");
            scalarFile = backend.Get("scalar_save_file", "scalars.json") as string
                ?? throw new KilnException($"{path}.scalar_save_file must be a file name like 'scalars.json'.");
        }
        return new VisualizerSettings(scalarFile, cfg.Get("name") as string);
    }
}
