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
    }
}
