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

    /// <summary>
    /// <see cref="IRunnerContext.SaveCheckpoint"/> with MMEngine's <c>meta</c> argument: <paramref name="meta"/>'s epoch and
    /// iteration go into <c>meta</c> instead of the ones <paramref name="byEpoch"/> implies (best checkpoints).
    /// </summary>
    void SaveCheckpoint(string directory, string fileName, bool saveOptimizer, bool saveParamScheduler, bool byEpoch, (int Epoch, int Iter) meta);

    /// <summary>Closes the run's <c>&lt;timestamp&gt;.log</c>; later lines go to the console only (LoggerHook's <c>keep_local=False</c>).</summary>
    void CloseLogFile();

    /// <summary>Builds a component from a registry in the Runner's default scope (EMAHook's <c>ema_type</c>).</summary>
    T Build<T>(string registry, Config.ConfigDict cfg, string keyPath, IReadOnlyDictionary<string, object?>? defaultArgs = null) where T : class;
}
