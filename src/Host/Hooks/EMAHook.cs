using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Models;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>EMAHook</c> (HOOK-11): keeps an averaged copy of the model's weights (<c>ema_type</c> from the MODELS
/// registry: <see cref="ExponentialMovingAverage"/>, <see cref="MomentumAnnealingEMA"/>, <see cref="StochasticWeightAverage"/>,
/// or a plugin's <see cref="BaseAveragedModel"/>), updated after every training iteration from <c>begin_iter</c> (or the
/// epoch <c>begin_epoch</c>; before it the copy just follows the model). Validation and test run with the averaged weights
/// (swapped in before the epoch, back after). Checkpoints hold the averaged weights under <c>state_dict</c> (ready to
/// deploy) and the raw ones inside <c>ema_state_dict</c> (<c>module.&lt;name&gt;</c>, plus <c>steps</c>); resuming swaps them
/// back. The averaged model's own arguments (<c>momentum</c>, <c>gamma</c>, <c>interval</c>, <c>device</c>,
/// <c>update_buffers</c>) are MMEngine's <c>**kwargs</c>, passed on only when given.
/// </summary>
[Register(Registries.Hooks)]
public sealed class EMAHook : Hook
{
    private readonly ConfigDict _emaCfg;

    public EMAHook(string emaType = "ExponentialMovingAverage", bool strictLoad = false, int beginIter = 0, int beginEpoch = 0,
        double? momentum = null, int? gamma = null, int? interval = null, string? device = null, bool? updateBuffers = null)
    {
        if (beginIter != 0 && beginEpoch != 0)
            throw new KilnException("EMAHook: `begin_iter` and `begin_epoch` should not be both set.");
        if (beginIter < 0) throw new KilnException($"EMAHook: `begin_iter` must larger than 0, but got begin: {beginIter}");
        if (beginEpoch < 0) throw new KilnException($"EMAHook: `begin_epoch` must larger than 0, but got begin: {beginEpoch}");
        StrictLoad = strictLoad;
        BeginIter = beginIter;
        BeginEpoch = beginEpoch;
        _emaCfg = new ConfigDict { ["type"] = emaType };
        if (momentum is { } m) _emaCfg["momentum"] = m;
        if (gamma is { } g) _emaCfg["gamma"] = (long)g;
        if (interval is { } i) _emaCfg["interval"] = (long)i;
        if (device is not null) _emaCfg["device"] = device;
        if (updateBuffers is { } u) _emaCfg["update_buffers"] = u;
    }

    public override int Priority => HookPriority.Normal;

    public bool StrictLoad { get; }

    public int BeginIter { get; }

    public int BeginEpoch { get; }

    /// <summary>MMEngine: enabled by epoch when <c>begin_epoch</c> &gt; 0.</summary>
    public bool EnabledByEpoch => BeginEpoch > 0;

    /// <summary>The averaged model, built in <see cref="BeforeRun"/>.</summary>
    public BaseAveragedModel? EmaModel { get; private set; }

    private BaseAveragedModel Ema => EmaModel ?? throw new InvalidOperationException("EMAHook builds its averaged model in BeforeRun.");

    public override void BeforeRun(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var host = runner as IHostRunnerContext
            ?? throw new InvalidOperationException("EMAHook needs the host's runner to build its averaged model.");
        EmaModel?.Dispose();
        EmaModel = host.Build<BaseAveragedModel>(Registries.Models, _emaCfg, "custom_hooks.EMAHook.ema_type",
            new Dictionary<string, object?> { ["model"] = runner.Model });
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (EnabledByEpoch && BeginEpoch > runner.MaxEpochs)
            throw new KilnException($"EMAHook: self.begin_epoch should be smaller than runner.max_epochs: {runner.MaxEpochs}, but got begin: {BeginEpoch}");
        if (!EnabledByEpoch && BeginIter > runner.MaxIters)
            throw new KilnException($"EMAHook: self.begin_iter should be smaller than runner.max_iters: {runner.MaxIters}, but got begin: {BeginIter}");
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (EmaStarted(runner)) Ema.UpdateParameters(runner.Model);
        else Ema.CopyFrom(runner.Model);
    }

    public override void BeforeValEpoch(IRunnerContext runner) => SwapParameters(runner);

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args) => SwapParameters(runner);

    public override void BeforeTestEpoch(IRunnerContext runner) => SwapParameters(runner);

    public override void AfterTestEpoch(IRunnerContext runner, MetricsArgs args) => SwapParameters(runner);

    /// <summary>Adds <c>ema_state_dict</c> and swaps it with <c>state_dict</c>, so <c>state_dict</c> holds the averaged weights.</summary>
    public override void BeforeSaveCheckpoint(IRunnerContext runner, CheckpointArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.Checkpoint["ema_state_dict"] = Ema.StateDict();
        SwapEmaStateDict(args.Checkpoint);
    }

    /// <summary>
    /// On resume, swaps the two state dicts back (the model gets its raw weights) and loads the average from
    /// <c>ema_state_dict</c>; otherwise (or without one) the average starts as a copy of <c>state_dict</c>.
    /// </summary>
    public override void AfterLoadCheckpoint(IRunnerContext runner, CheckpointArgs args)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(args);
        bool resume = runner.Cfg.Get("resume") is true;
        var checkpoint = args.Checkpoint;
        if (resume && checkpoint.TryGetValue("ema_state_dict", out var e) && e is PyDict emaState)
        {
            SwapEmaStateDict(checkpoint);
            Ema.LoadStateDict(emaState, StrictLoad, "checkpoint");
            return;
        }
        if (resume)
            runner.Logger.LogWarning("There is no `ema_state_dict` in checkpoint. `EMAHook` will make a copy of `state_dict` as the initial `ema_state_dict`");
        var stateDict = checkpoint.TryGetValue("state_dict", out var sd) && sd is PyDict d ? d : null;
        if (stateDict is not null) Ema.LoadModuleStateDict(stateDict, StrictLoad, "checkpoint");
    }

    private void SwapParameters(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        Ema.SwapWith(runner.Model);
    }

    private static void SwapEmaStateDict(IDictionary<string, object?> checkpoint)
    {
        if (checkpoint["state_dict"] is not PyDict model || checkpoint["ema_state_dict"] is not PyDict ema) return;
        foreach (var key in ema.Keys.OfType<string>().ToList())
        {
            if (!key.StartsWith("module.", StringComparison.Ordinal) || !model.ContainsKey(key[7..])) continue;
            (ema[key], model[key[7..]]) = (model[key[7..]], ema[key]);
        }
    }

    private bool EmaStarted(IRunnerContext runner) =>
        EnabledByEpoch ? runner.Epoch + 1 >= BeginEpoch : runner.Iter + 1 >= BeginIter;
}
