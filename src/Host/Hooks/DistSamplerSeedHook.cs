using Kiln.Registry;

namespace Kiln.Hooks;

/// <summary>MMEngine's <c>DistSamplerSeedHook</c>: reseeds the training sampler's shuffle each epoch (<c>set_epoch</c>).</summary>
[Register(Registries.Hooks)]
public sealed class DistSamplerSeedHook : Hook
{
    public override int Priority => HookPriority.Normal;

    public override void BeforeTrainEpoch(IRunnerContext runner) =>
        (runner as IHostRunnerContext)?.TrainSampler?.SetEpoch(runner.Epoch);
}
