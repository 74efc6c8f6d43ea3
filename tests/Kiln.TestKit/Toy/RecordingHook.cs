using Kiln.Hooks;

namespace Kiln.TestKit.Toy;

/// <summary>Records every stage it sees with the runner's counters, as MMEngine's runner tests do with their hooks.</summary>
public sealed class RecordingHook : Hook
{
    public List<(string Stage, int Epoch, int Iter, int? BatchIndex)> Calls { get; } = [];

    private void Record(IRunnerContext r, string stage, int? batchIndex = null) => Calls.Add((stage, r.Epoch, r.Iter, batchIndex));

    public override void BeforeRun(IRunnerContext runner) => Record(runner, "before_run");

    public override void AfterRun(IRunnerContext runner) => Record(runner, "after_run");

    public override void AfterLoadCheckpoint(IRunnerContext runner, CheckpointArgs args) => Record(runner, "after_load_checkpoint");

    public override void BeforeSaveCheckpoint(IRunnerContext runner, CheckpointArgs args) => Record(runner, "before_save_checkpoint");

    public override void BeforeVal(IRunnerContext runner) => Record(runner, "before_val");

    public override void AfterVal(IRunnerContext runner) => Record(runner, "after_val");

    public override void BeforeValIter(IRunnerContext runner, BatchArgs args) => Record(runner, "before_val_iter", args.BatchIndex);

    public override void AfterValIter(IRunnerContext runner, EvalIterArgs args) => Record(runner, "after_val_iter", args.BatchIndex);

    public override void BeforeTest(IRunnerContext runner) => Record(runner, "before_test");

    public override void AfterTest(IRunnerContext runner) => Record(runner, "after_test");

    public override void BeforeTestEpoch(IRunnerContext runner) => Record(runner, "before_test_epoch");

    public override void AfterTestEpoch(IRunnerContext runner, MetricsArgs args) => Record(runner, "after_test_epoch");

    public override void BeforeTestIter(IRunnerContext runner, BatchArgs args) => Record(runner, "before_test_iter", args.BatchIndex);

    public override void AfterTestIter(IRunnerContext runner, EvalIterArgs args) => Record(runner, "after_test_iter", args.BatchIndex);

    public override void BeforeTrain(IRunnerContext runner) => Record(runner, "before_train");

    public override void AfterTrain(IRunnerContext runner) => Record(runner, "after_train");

    public override void BeforeTrainEpoch(IRunnerContext runner) => Record(runner, "before_train_epoch");

    public override void AfterTrainEpoch(IRunnerContext runner) => Record(runner, "after_train_epoch");

    public override void BeforeTrainIter(IRunnerContext runner, BatchArgs args) => Record(runner, "before_train_iter", args.BatchIndex);

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args) => Record(runner, "after_train_iter", args.BatchIndex);

    public override void BeforeValEpoch(IRunnerContext runner) => Record(runner, "before_val_epoch");

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args) => Record(runner, "after_val_epoch");

    public IEnumerable<(string Stage, int Epoch, int Iter, int? BatchIndex)> At(string stage) => Calls.Where(c => c.Stage == stage);
}
