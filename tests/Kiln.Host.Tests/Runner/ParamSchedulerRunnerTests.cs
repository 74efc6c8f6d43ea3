using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Optim.Schedulers;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>
/// Schedulers through the Runner: MMEngine's test_param_scheduler_hook.py and test_runner.py expectations
/// (SCHED-02, SCHED-05, SCHED-10, SCHED-11, RUN-22; mmengine-internals §4.2 "Schedulers through the runner").
/// </summary>
public sealed class ParamSchedulerRunnerTests : ToyRunnerTest
{
    private static ConfigDict Constant(double factor, long begin, bool byEpoch = true) =>
        new() { ["type"] = "ConstantLR", ["factor"] = factor, ["begin"] = begin, ["by_epoch"] = byEpoch };

    private static double[] LrHistory(Kiln.Runner runner) => ((Kiln.Logging.HistoryBuffer)runner.MessageHub.GetScalar("train/lr")).Data().Values;

    [Fact]
    public void EpochBased_TwoConstantLRs_LrHistoryMatchesMMEngine() // test_param_scheduler_hook.py
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 3L, ["val_interval"] = 1L };
        cfg["param_scheduler"] = new List<object?> { Constant(0.5, 0), Constant(0.5, 1) };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(Enumerable.Repeat(0.05, 4).Concat(Enumerable.Repeat(0.025, 4)).Concat(Enumerable.Repeat(0.1, 4)), LrHistory(runner), new Tolerance(1e-12));
        Assert.All(runner.ParamSchedulers, s => Assert.Equal(3, s.End)); // default end = max_epochs
    }

    [Fact]
    public void IterBased_TwoConstantLRs_LrHistoryMatchesMMEngine()
    {
        var cfg = ToyRunner.IterBasedConfig(Tmp.Path);
        cfg["param_scheduler"] = new List<object?> { Constant(0.5, 0, byEpoch: false), Constant(0.5, 4, byEpoch: false) };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(Enumerable.Repeat(0.05, 4).Concat(Enumerable.Repeat(0.025, 7)).Append(0.1), LrHistory(runner), new Tolerance(1e-12));
        Assert.All(runner.ParamSchedulers, s => Assert.Equal(12, s.End)); // default end = max_iters
    }

    [Fact]
    public void ConvertToIterBased_InTheRunner_UsesTheTrainDataloaderLength() // SCHED-04
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["param_scheduler"] = new ConfigDict { ["type"] = "LinearLR", ["start_factor"] = 0.5, ["convert_to_iter_based"] = true };
        using var runner = Toy.Create(cfg);
        runner.Train();
        var s = Assert.Single(runner.ParamSchedulers);
        Assert.False(s.ByEpoch);
        Assert.Equal(8, s.End); // 2 epochs × 4 iterations
        var expected = Enumerable.Range(0, 7).Select(i => 0.1 * (0.5 + i * 0.5 / 7)).Append(0.1);
        Assert.Equal(expected, LrHistory(runner), new Tolerance(1e-12));
    }

    [Fact]
    public void ReduceOnPlateau_StepsAfterValidationWithItsMetrics() // SCHED-10
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 3L, ["val_interval"] = 1L };
        cfg["param_scheduler"] = new ConfigDict { ["type"] = "ReduceOnPlateauLR", ["monitor"] = "acc", ["rule"] = "greater", ["patience"] = 0L };
        using var runner = Toy.Create(cfg);
        runner.Train();
        // ToyMetric's acc is 1 every time: the first validation sets the best, the second is no better, so the lr of epoch 3 is 0.1 × 0.1.
        Assert.Equal(Enumerable.Repeat(0.1, 8).Concat(Enumerable.Repeat(0.01, 4)), LrHistory(runner), new Tolerance(1e-12));
    }

    [Fact]
    public void AutoScaleLr_ScalesByBatchSizeOverBase() // RUN-22, test_scale_lr
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["auto_scale_lr"] = new ConfigDict { ["enable"] = true, ["base_batch_size"] = 16L };
        cfg["param_scheduler"] = new ConfigDict { ["type"] = "ConstantLR", ["factor"] = 1.0 };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(0.1 * 3 / 16, LrHistory(runner)[0], 1e-12);
        Assert.Equal(0.1 * 3 / 16, Assert.Single(runner.ParamSchedulers).BaseValues[0], 1e-12);

        var off = ToyRunner.EpochBasedConfig(Tmp.Combine("off"));
        off["auto_scale_lr"] = new ConfigDict { ["enable"] = false, ["base_batch_size"] = 16L };
        using var plain = Toy.Create(off);
        plain.Train();
        Assert.Equal(0.1, LrHistory(plain)[0], 1e-12);

        var bad = ToyRunner.EpochBasedConfig(Tmp.Combine("bad"));
        bad["auto_scale_lr"] = new ConfigDict { ["enable"] = true };
        using var failing = Toy.Create(bad);
        Assert.Contains("base_batch_size", Assert.Throws<KilnException>(() => failing.Train()).Message);
    }

    [Fact]
    public void Checkpoint_HoldsSchedulerStates_AndResumeRestoresThem() // SCHED-11
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 2L, ["val_interval"] = 1L };
        // end is explicit: a checkpoint's scheduler state wins over the config on resume (MMEngine), end included.
        cfg["param_scheduler"] = new ConfigDict { ["type"] = "MultiStepLR", ["milestones"] = new List<object?> { 1L, 2L }, ["gamma"] = 0.1, ["end"] = 3L };
        using (var runner = Toy.Create(cfg)) runner.Train();
        var ckpt = (PyDict)CheckpointFile.Load(Path.Combine(Tmp.Path, "epoch_1.pth"))!;
        var state = (PyDict)Assert.Single((List<object?>)ckpt["param_schedulers"]!)!;
        Assert.Equal(1L, state["last_step"]);
        Assert.Equal("lr", state["param_name"]);

        // resume from epoch 1 into a longer run: the milestone at 2 still applies, from the restored state
        var resumed = ToyRunner.EpochBasedConfig(Tmp.Path);
        resumed["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 3L, ["val_interval"] = 1L };
        resumed["param_scheduler"] = cfg["param_scheduler"];
        resumed["load_from"] = Path.Combine(Tmp.Path, "epoch_1.pth");
        resumed["resume"] = true;
        using var again = Toy.Create(resumed);
        again.Train();
        Assert.Equal(Enumerable.Repeat(0.01, 4).Concat(Enumerable.Repeat(0.001, 4)), LrHistory(again).TakeLast(8), new Tolerance(1e-12));
        Assert.Equal(2, again.ParamSchedulers[0].LastStep);
    }

    [Fact]
    public void DefaultHooks_IncludeParamSchedulerHookAtLow()
    {
        using var runner = Toy.Create(ToyRunner.EpochBasedConfig(Tmp.Path));
        Assert.Contains("(LOW         ) ParamSchedulerHook", runner.HooksInfo());
    }

    [Fact]
    public void ParamSchedulerWithoutOptimWrapper_IsAnError()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        foreach (var k in new[] { "train_dataloader", "train_cfg", "optim_wrapper" }) cfg.Remove(k);
        cfg["param_scheduler"] = new ConfigDict { ["type"] = "StepLR", ["step_size"] = 1L };
        Assert.Contains("optim_wrapper", Assert.Throws<KilnException>(() => Toy.Create(cfg)).Message);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}

/// <summary>SCHED-01: schedulers as objects, MMEngine's <c>MultiStepLR(optimizer, milestones=[8, 11], gamma=0.1)</c> passed as <c>param_scheduler</c>.</summary>
public sealed class ParamSchedulerObjectTests : ToyRunnerTest
{
    [Fact]
    public void ReadyScheduler_OverAReadyOptimWrapper_IsSteppedByTheHook()
    {
        TorchSharp.torch.manual_seed(0);
        var model = new ToyModel();
        var wrapper = new Kiln.Optim.OptimWrapper(TorchSharp.torch.optim.SGD(model.parameters(), 0.1, momentum: 0.9));
        var scheduler = new MultiStepLR(wrapper, milestones: [1], gamma: 0.1);
        var momentum = new LinearMomentum(wrapper, startFactor: 0.5, end: 2);
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["model"] = model;
        cfg["optim_wrapper"] = wrapper;
        cfg["param_scheduler"] = new List<object?> { scheduler, momentum };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Same(scheduler, runner.ParamSchedulers[0]);
        Assert.Equal(2, scheduler.LastStep);
        Assert.Equal(0.01, wrapper.GetLr()["lr"][0], 1e-12);
        Assert.Equal(0.9, wrapper.GetMomentum()["momentum"][0], 1e-12);
        Assert.Equal("MultiStepLR", scheduler.TypeName);
    }
}
