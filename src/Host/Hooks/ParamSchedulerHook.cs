using Kiln.Registry;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>ParamSchedulerHook</c> (priority LOW): steps every iteration-based scheduler after each training
/// iteration, every epoch-based one after each training epoch, and the schedulers that need validation metrics
/// (ReduceOnPlateau) after each validation run during training, with its metrics (SCHED-10).
/// </summary>
[Register(Registries.Hooks)]
public sealed class ParamSchedulerHook : Hook
{
    public override int Priority => HookPriority.Low;

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        foreach (var scheduler in Schedulers(runner))
            if (!scheduler.ByEpoch) scheduler.Step();
    }

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        foreach (var scheduler in Schedulers(runner))
            if (scheduler.ByEpoch) scheduler.Step();
    }

    /// <summary>Only while training (the train loop and the schedulers are built), and only with metrics.</summary>
    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        if (!runner.HasTrainLoop) return;
        foreach (var scheduler in Schedulers(runner))
            if (scheduler.ByEpoch && scheduler.NeedValArgs) scheduler.Step(args.Metrics);
    }

    private static IReadOnlyList<Optim.Schedulers.ParamScheduler> Schedulers(IRunnerContext runner) =>
        (runner as IHostRunnerContext)?.ParamSchedulers ?? [];
}
