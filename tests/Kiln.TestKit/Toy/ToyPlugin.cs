using Kiln.Registry;

namespace Kiln.TestKit.Toy;

/// <summary>MMEngine's RunnerTestCase toys as an in-process plugin, scope <c>toy</c>.</summary>
public sealed class ToyPlugin : IKilnPlugin
{
    public string Scope => "toy";

    public void Register(IPluginRegistrar registrar)
    {
        registrar.Register(Registries.Models, typeof(ToyModel));
        registrar.Register(Registries.Datasets, typeof(ToyDataset));
        registrar.Register(Registries.Metrics, typeof(ToyMetric));
        registrar.Register(Registries.Metrics, typeof(TriangleMetric));
        registrar.Register(Registries.Hooks, typeof(RecordingHook));
        registrar.Register(Registries.Runners, typeof(ToyCustomRunner));
        registrar.Register(Registries.Loops, typeof(ToyValLoop));
    }
}
