namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>Hook</c>: a no-op method per mount point; subclasses override the ones they act on.
/// The Runner calls them in priority order (<see cref="HookPriority"/>). Stage order within the loops:
/// <code>
/// BeforeRun
///   BeforeTrain
///     BeforeTrainEpoch
///       BeforeTrainIter → model.TrainStep → AfterTrainIter      (per batch)
///     AfterTrainEpoch
///     BeforeVal → BeforeValEpoch → (BeforeValIter → ValStep → AfterValIter)* → AfterValEpoch → AfterVal
///   AfterTrain
///   BeforeTest → BeforeTestEpoch → (BeforeTestIter → TestStep → AfterTestIter)* → AfterTestEpoch → AfterTest
/// AfterRun
/// </code>
/// <see cref="BeforeSaveCheckpoint"/> fires inside every checkpoint save; <see cref="AfterLoadCheckpoint"/>
/// inside every load and resume.
/// </summary>
public abstract class Hook
{
    /// <summary>The priority this hook runs at unless the config gives one; <see cref="HookPriority.Normal"/>.</summary>
    public virtual int Priority => HookPriority.Normal;

    public virtual void BeforeRun(IRunnerContext runner) { }

    public virtual void AfterRun(IRunnerContext runner) { }

    public virtual void AfterLoadCheckpoint(IRunnerContext runner, CheckpointArgs args) { }

    public virtual void BeforeSaveCheckpoint(IRunnerContext runner, CheckpointArgs args) { }

    public virtual void BeforeTrain(IRunnerContext runner) { }

    public virtual void AfterTrain(IRunnerContext runner) { }

    public virtual void BeforeTrainEpoch(IRunnerContext runner) => BeforeEpoch(runner, "train");

    public virtual void AfterTrainEpoch(IRunnerContext runner) => AfterEpoch(runner, "train");

    public virtual void BeforeTrainIter(IRunnerContext runner, BatchArgs args) => BeforeIter(runner, "train", args);

    public virtual void AfterTrainIter(IRunnerContext runner, TrainIterArgs args) =>
        AfterIter(runner, "train", new BatchArgs(args.BatchIndex, args.Batch));

    public virtual void BeforeVal(IRunnerContext runner) { }

    public virtual void AfterVal(IRunnerContext runner) { }

    public virtual void BeforeValEpoch(IRunnerContext runner) => BeforeEpoch(runner, "val");

    public virtual void AfterValEpoch(IRunnerContext runner, MetricsArgs args) => AfterEpoch(runner, "val");

    public virtual void BeforeValIter(IRunnerContext runner, BatchArgs args) => BeforeIter(runner, "val", args);

    public virtual void AfterValIter(IRunnerContext runner, EvalIterArgs args) =>
        AfterIter(runner, "val", new BatchArgs(args.BatchIndex, args.Batch));

    public virtual void BeforeTest(IRunnerContext runner) { }

    public virtual void AfterTest(IRunnerContext runner) { }

    public virtual void BeforeTestEpoch(IRunnerContext runner) => BeforeEpoch(runner, "test");

    public virtual void AfterTestEpoch(IRunnerContext runner, MetricsArgs args) => AfterEpoch(runner, "test");

    public virtual void BeforeTestIter(IRunnerContext runner, BatchArgs args) => BeforeIter(runner, "test", args);

    public virtual void AfterTestIter(IRunnerContext runner, EvalIterArgs args) =>
        AfterIter(runner, "test", new BatchArgs(args.BatchIndex, args.Batch));

    /// <summary>Shared by the three <c>Before*Epoch</c> stages (MMEngine's <c>_before_epoch</c>).</summary>
    protected virtual void BeforeEpoch(IRunnerContext runner, string mode) { }

    /// <summary>Shared by the three <c>After*Epoch</c> stages (MMEngine's <c>_after_epoch</c>).</summary>
    protected virtual void AfterEpoch(IRunnerContext runner, string mode) { }

    /// <summary>Shared by the three <c>Before*Iter</c> stages (MMEngine's <c>_before_iter</c>).</summary>
    protected virtual void BeforeIter(IRunnerContext runner, string mode, BatchArgs args) { }

    /// <summary>Shared by the three <c>After*Iter</c> stages (MMEngine's <c>_after_iter</c>).</summary>
    protected virtual void AfterIter(IRunnerContext runner, string mode, BatchArgs args) { }
}
