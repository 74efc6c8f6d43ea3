using Kiln.Registry;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>RuntimeInfoHook</c>: puts the loop's progress, learning rates, the model's log values and the
/// validation metrics into the message hub, where the logger and other hooks read them.
/// </summary>
[Register(Registries.Hooks)]
public sealed class RuntimeInfoHook : Hook
{
    private readonly Dictionary<string, string> _trainKeys = new(StringComparer.Ordinal);

    /// <summary><c>train/{name}</c>, built once per name rather than once per iteration.</summary>
    private string TrainKey(string name)
    {
        if (!_trainKeys.TryGetValue(name, out var key)) _trainKeys[name] = key = "train/" + name;
        return key;
    }

    public override int Priority => HookPriority.VeryHigh;

    public override void BeforeRun(IRunnerContext runner)
    {
        runner.MessageHub.UpdateInfo("experiment_name", runner.ExperimentName);
        runner.MessageHub.UpdateInfo("seed", runner.Seed);
    }

    public override void BeforeTrain(IRunnerContext runner)
    {
        runner.MessageHub.UpdateInfo("loop_stage", "train");
        runner.MessageHub.UpdateInfo("epoch", runner.Epoch);
        runner.MessageHub.UpdateInfo("iter", runner.Iter);
        runner.MessageHub.UpdateInfo("max_epochs", runner.MaxEpochs);
        runner.MessageHub.UpdateInfo("max_iters", runner.MaxIters);
    }

    public override void AfterTrain(IRunnerContext runner) => runner.MessageHub.UpdateInfo("loop_stage", null);

    public override void BeforeTrainEpoch(IRunnerContext runner) => runner.MessageHub.UpdateInfo("epoch", runner.Epoch);

    public override void BeforeTrainIter(IRunnerContext runner, BatchArgs args)
    {
        runner.MessageHub.UpdateInfo("iter", runner.Iter);
        if (runner.OptimWrapper is not { } wrapper) return;
        foreach (var (name, values) in wrapper.GetLr())
            runner.MessageHub.UpdateScalar(TrainKey(name), values[0]);
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        foreach (var (key, value) in args.Outputs) runner.MessageHub.UpdateScalar(TrainKey(key), value);
    }

    public override void BeforeVal(IRunnerContext runner) => runner.MessageHub.UpdateInfo("loop_stage", "val");

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        foreach (var (key, value) in args.Metrics) runner.MessageHub.UpdateScalar($"val/{key}", value);
    }

    public override void AfterVal(IRunnerContext runner) =>
        runner.MessageHub.UpdateInfo("loop_stage", runner.HasTrainLoop ? "train" : null);

    public override void BeforeTest(IRunnerContext runner) => runner.MessageHub.UpdateInfo("loop_stage", "test");

    public override void AfterTestEpoch(IRunnerContext runner, MetricsArgs args)
    {
        foreach (var (key, value) in args.Metrics) runner.MessageHub.UpdateScalar($"test/{key}", value);
    }

    public override void AfterTest(IRunnerContext runner) => runner.MessageHub.UpdateInfo("loop_stage", null);
}
