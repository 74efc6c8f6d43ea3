using Kiln.Config;
using Kiln.Optim;
using Kiln.Optim.Schedulers;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln;

public partial class Runner
{
    private List<ParamScheduler>? _paramSchedulers;

    /// <summary>The parameter schedulers built from <c>param_scheduler</c> by <see cref="Train"/> (empty before, or without one).</summary>
    public IReadOnlyList<ParamScheduler> ParamSchedulers => _paramSchedulers ?? [];

    /// <summary>
    /// The optimizer wrapper from <c>optim_wrapper</c>: a ready <see cref="Optim.OptimWrapper"/> or
    /// <see cref="OptimWrapperDict"/>, or its config dict.
    /// </summary>
    internal IManagedOptimWrapper BuildConfiguredOptimWrapper(object? value) => value switch
    {
        IManagedOptimWrapper ready => ready,
        ConfigDict optimCfg => BuildOptimWrapper(optimCfg),
        _ => throw new KilnException("optim_wrapper must be a dict like dict(optimizer=dict(type='SGD', lr=0.01)), or an OptimWrapper."),
    };

    /// <summary>
    /// MMEngine's <c>scale_lr</c> (RUN-22): with <c>auto_scale_lr.enable</c>, every group's lr is multiplied by
    /// <c>world_size × batch_size / base_batch_size</c> (the run's real world size). Must run before the schedulers record their
    /// initial values.
    /// </summary>
    internal void ScaleLr(IManagedOptimWrapper wrapper, object? autoScaleLr, int batchSize)
    {
        if (autoScaleLr is null) return;
        var cfg = autoScaleLr as ConfigDict
            ?? throw new KilnException($"auto_scale_lr = {ConfigFormatter.Format(autoScaleLr)} must be a dict like dict(enable=True, base_batch_size=16).");
        foreach (var key in cfg.Keys)
            if (key is not ("enable" or "base_batch_size"))
                throw new KilnException($"auto_scale_lr.{key} is not an option; valid: enable, base_batch_size.");
        if (cfg.Get("enable", false) is not bool enable)
            throw new KilnException($"auto_scale_lr.enable = {ConfigFormatter.Format(cfg.Get("enable"))} must be True or False.");
        if (!enable) return;
        if (_paramSchedulers is { Count: > 0 })
            throw new KilnException("`scale_lr` should be called before building ParamScheduler because ParamScheduler will store initial lr from optimizer wrappers.");
        double baseBatchSize = cfg.Get("base_batch_size") switch
        {
            long l when l > 0 => l,
            null => throw new KilnException("Lack of `base_batch_size` in `auto_scale_lr`: add e.g. auto_scale_lr = dict(enable=True, base_batch_size=16)."),
            var v => throw new KilnException($"auto_scale_lr.base_batch_size = {ConfigFormatter.Format(v)} must be a positive integer."),
        };
        int realBatchSize = WorldSize * batchSize;
        double ratio = realBatchSize / baseBatchSize;
        Logger.LogInformation("LR is set based on batch size of {Base} and the current batch size is {Real}. Scaling the original LR by {Ratio}.",
            (long)baseBatchSize, realBatchSize, Kiln.Config.Python.PyOps.Repr(ratio));
        // MMEngine scales every wrapper of an OptimWrapperDict.
        IEnumerable<OptimWrapper> wrappers = wrapper is OptimWrapperDict dict ? dict.Values : [(OptimWrapper)wrapper];
        foreach (var single in wrappers)
            foreach (var group in ParamGroupValues.Of(single)) group["lr"] = group["lr"] * ratio;
    }

    /// <summary>
    /// MMEngine's <c>build_param_scheduler</c>: <c>param_scheduler</c> is one scheduler or a list (dicts or ready
    /// <see cref="ParamScheduler"/>s); each dict without <c>end</c> gets the train loop's max epochs (by epoch) or max
    /// iterations, and is built from PARAM_SCHEDULERS with the wrapper as <c>optimizer</c> and the train dataloader's
    /// length as <c>epoch_length</c> (for <c>convert_to_iter_based</c>). Each scheduler steps once as it is built.
    /// </summary>
    internal List<ParamScheduler> BuildParamSchedulers(object? value, IManagedOptimWrapper managed, int epochLength, int maxEpochs, int maxIters)
    {
        var result = new List<ParamScheduler>();
        if (value is null) return result;
        var wrapper = managed as OptimWrapper ?? throw new KilnException(
            "param_scheduler with several optimizers (an OptimWrapperDict) is not built yet in Kiln: MMEngine's dict of " +
            "scheduler lists per optimizer name arrives later in issue 6; remove param_scheduler or use one optimizer.");
        var items = value as List<object?> ?? [value];
        for (int i = 0; i < items.Count; i++)
        {
            string path = items.Count == 1 && value is not List<object?> ? "param_scheduler" : $"param_scheduler[{i}]";
            switch (items[i])
            {
                case ParamScheduler ready:
                    result.Add(ready);
                    break;
                case ConfigDict cfg:
                    var args = new ConfigDict(cfg);
                    if (args.Get("by_epoch", true) is not bool byEpoch)
                        throw new KilnException($"{path}.by_epoch = {ConfigFormatter.Format(args.Get("by_epoch"))} must be True or False.");
                    args.SetDefault("end", (long)(byEpoch ? maxEpochs : maxIters));
                    var scheduler = Build<ParamScheduler>(Registries.ParamSchedulers, args, path,
                        new Dictionary<string, object?> { ["optimizer"] = wrapper, ["epoch_length"] = (long)epochLength });
                    scheduler.Logger = Logger;
                    result.Add(scheduler);
                    break;
                default:
                    throw new KilnException($"{path} should be a scheduler dict like dict(type='MultiStepLR', milestones=[8, 11]) or a ParamScheduler, but got {ConfigFormatter.Format(items[i])}.");
            }
        }
        return result;
    }
}
