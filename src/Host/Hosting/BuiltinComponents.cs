using Kiln.Optim;
using Kiln.Registry;

namespace Kiln.Hosting;

/// <summary>The host's explicit registrations (the <see cref="RegisterAttribute"/> classes are found by scanning).</summary>
internal static class BuiltinComponents
{
    public static void Register(IPluginRegistrar root)
    {
        OptimizerFactories.Register(root);
        Optim.Schedulers.SchedulerFactories.Register(root);
        // The visualizer types live in Kiln.Abstractions so plugins can derive from them; the host scan covers only its own assembly.
        root.Register(Registries.Visualizers, typeof(Visualization.Visualizer));
        root.Register(Registries.VisBackends, typeof(Visualization.LocalVisBackend));
        root.Register(Registries.VisBackends, typeof(Visualization.TensorboardVisBackend));
    }
}
