using Kiln.Checkpoints;
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
    /// With an <see cref="OptimWrapperDict"/>: the names of its wrappers and how many schedulers of the flat
    /// <see cref="ParamSchedulers"/> list belong to each, in order (MMEngine's dict of scheduler lists); null otherwise.
    /// </summary>
    private List<(string Name, int Count)>? _paramSchedulerGroups;

    /// <summary>
    /// MMEngine's <c>build_param_scheduler</c>: <c>param_scheduler</c> is one scheduler or a list (dicts or ready
    /// <see cref="ParamScheduler"/>s); each dict without <c>end</c> gets the train loop's max epochs (by epoch) or max
    /// iterations, and is built from PARAM_SCHEDULERS with the wrapper as <c>optimizer</c> and the train dataloader's
    /// length as <c>epoch_length</c> (for <c>convert_to_iter_based</c>). Each scheduler steps once as it is built.
    /// With an <see cref="OptimWrapperDict"/> (OPT-09), a dict without <c>type</c> gives each wrapper's schedulers by
    /// name (<c>param_scheduler=dict(generator=[...], discriminator=dict(...))</c>); anything else is built once for every
    /// wrapper. The result is flat, wrapper by wrapper; the grouping is kept for checkpoints.
    /// </summary>
    internal List<ParamScheduler> BuildParamSchedulers(object? value, IManagedOptimWrapper managed, int epochLength, int maxEpochs, int maxIters)
    {
        if (managed is not OptimWrapperDict dict)
        {
            _paramSchedulerGroups = null;
            return BuildParamSchedulers(value, managed as OptimWrapper ?? throw new KilnException(
                $"param_scheduler needs an OptimWrapper or an OptimWrapperDict, got {managed.GetType().Name}."), "param_scheduler", epochLength, maxEpochs, maxIters);
        }
        var result = new List<ParamScheduler>();
        var groups = new List<(string Name, int Count)>();
        bool byName = value is ConfigDict named && !named.ContainsKey("type");
        if (byName)
            foreach (var key in ((ConfigDict)value!).Keys)
                if (!dict.ContainsKey(key))
                    throw new KilnException($"param_scheduler.{key}: the optimizer wrappers are {string.Join(", ", dict.Keys.Select(k => $"'{k}'"))}; "
                        + "a param_scheduler dict without 'type' gives the schedulers of each by name.");
        else if (value is ParamScheduler || (value is List<object?> list && list.Any(v => v is ParamScheduler)))
            throw new KilnException("param_scheduler: a ready ParamScheduler drives the one optimizer it was made for; with several optimizer wrappers give "
                + $"them by name, param_scheduler=dict({string.Join(", ", dict.Keys.Select(k => $"{k}=..."))}), or give scheduler dicts to build for each.");
        foreach (var (name, wrapper) in dict)
        {
            object? own = byName ? ((ConfigDict)value!).Get(name) : value;
            if (byName && own is null)
                throw new KilnException($"param_scheduler has no entry for the optimizer wrapper '{name}': give one for each of "
                    + $"{string.Join(", ", dict.Keys.Select(k => $"'{k}'"))}, or one scheduler (or list) for all.");
            // A scheduler object can only drive the optimizer it was made for; configs are built afresh per wrapper.
            var built = BuildParamSchedulers(own, wrapper, byName ? $"param_scheduler.{name}" : "param_scheduler", epochLength, maxEpochs, maxIters);
            groups.Add((name, built.Count));
            result.AddRange(built);
        }
        _paramSchedulerGroups = groups;
        return result;
    }

    private List<ParamScheduler> BuildParamSchedulers(object? value, OptimWrapper wrapper, string keyPath, int epochLength, int maxEpochs, int maxIters)
    {
        var result = new List<ParamScheduler>();
        if (value is null) return result;
        var items = value as List<object?> ?? [value];
        for (int i = 0; i < items.Count; i++)
        {
            string path = items.Count == 1 && value is not List<object?> ? keyPath : $"{keyPath}[{i}]";
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

public partial class Runner
{
    /// <summary>
    /// The checkpoint's <c>param_schedulers</c>: a list of state dicts, or with an <see cref="OptimWrapperDict"/>
    /// MMEngine's dict of lists by wrapper name.
    /// </summary>
    private object ParamSchedulerStates()
    {
        var schedulers = _paramSchedulers ?? [];
        if (_paramSchedulerGroups is null) return schedulers.Select(s => (object?)s.StateDict()).ToList();
        var result = new PyDict();
        int at = 0;
        foreach (var (name, count) in _paramSchedulerGroups)
        {
            result[name] = schedulers.Skip(at).Take(count).Select(s => (object?)s.StateDict()).ToList();
            at += count;
        }
        return result;
    }

    /// <summary>MMEngine's <c>load_scheduler_state_dict</c>: zip per list, so extra or missing entries are ignored.</summary>
    private void LoadParamSchedulerStates(object? states, string path)
    {
        var schedulers = _paramSchedulers ?? [];
        if (_paramSchedulerGroups is null)
        {
            if (states is List<object?> list)
                foreach (var (scheduler, state) in schedulers.Zip(list))
                    if (state is PyDict schedulerState) scheduler.LoadStateDict(schedulerState);
            return;
        }
        if (states is not PyDict byName)
            throw new KilnException($"cannot resume the param schedulers from {path}: its param_schedulers is a list, but this run has several optimizer wrappers "
                + $"({string.Join(", ", _paramSchedulerGroups.Select(g => $"'{g.Name}'"))}), whose schedulers a checkpoint stores by name.");
        int at = 0;
        foreach (var (name, count) in _paramSchedulerGroups)
        {
            if (byName.TryGetValue(name, out var value) && value is List<object?> list)
                foreach (var (scheduler, state) in schedulers.Skip(at).Take(count).Zip(list))
                    if (state is PyDict schedulerState) scheduler.LoadStateDict(schedulerState);
            at += count;
        }
    }
}
