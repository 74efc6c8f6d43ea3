using Kiln.Logging;

namespace Kiln.Hooks;

/// <summary>What the host's own hooks see beyond <see cref="IRunnerContext"/>: host types plugins never reference.</summary>
internal interface IHostRunnerContext : IRunnerContext
{
    LogProcessor LogProcessor { get; }

    /// <summary>The sampler of the training dataloader, for <see cref="DistSamplerSeedHook"/>.</summary>
    Datasets.ISampler? TrainSampler { get; }

    /// <summary>The parameter schedulers, once training has built them (empty before), for <see cref="ParamSchedulerHook"/>.</summary>
    IReadOnlyList<Optim.Schedulers.ParamScheduler> ParamSchedulers { get; }
}
