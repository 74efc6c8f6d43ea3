using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Runner;

/// <summary>
/// The train loops' counters and call order, as MMEngine's test_runner.py test_train checks them
/// (LOOP-01, LOOP-02, LOOP-03, RUN-03; mmengine-internals §4.2 "Runner").
/// </summary>
public sealed class TrainLoopTests : ToyRunnerTest
{
    [Fact]
    public void EpochBased_ThreeEpochsValBeginTwo_CountersAndValEpochsMatchMMEngine()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 3L, ["val_begin"] = 2L, ["val_interval"] = 1L };
        using var runner = Toy.Create(cfg);
        runner.Train();
        var hook = ToyRunner.Recorder(runner);

        Assert.Equal([0, 1, 2], hook.At("before_train_epoch").Select(c => c.Epoch));
        Assert.Equal(Enumerable.Range(0, 12), hook.At("before_train_iter").Select(c => c.Iter));
        Assert.Equal(Enumerable.Repeat(new[] { 0, 1, 2, 3 }, 3).SelectMany(x => x), hook.At("before_train_iter").Select(c => c.BatchIndex!.Value));
        Assert.Equal([2, 3], hook.At("after_val_epoch").Select(c => c.Epoch));
        Assert.Equal(3, runner.Epoch);
        Assert.Equal(12, runner.Iter);
        var wrapper = (Kiln.Optim.OptimWrapper)runner.OptimWrapper!;
        Assert.Equal(12, wrapper.InnerCount);
        Assert.Equal(12, wrapper.MaxCounts);
    }

    [Fact]
    public void IterBased_TwelveItersValEveryFour_OneEpochAndValAtFourEightTwelve()
    {
        using var runner = Toy.Create(ToyRunner.IterBasedConfig(Tmp.Path));
        runner.Train();
        var hook = ToyRunner.Recorder(runner);

        Assert.Equal([0], hook.At("before_train_epoch").Select(c => c.Epoch));
        Assert.Equal(Enumerable.Range(0, 12), hook.At("before_train_iter").Select(c => c.BatchIndex!.Value)); // the global iteration
        Assert.Equal([4, 8, 12], hook.At("after_val_epoch").Select(c => c.Iter));
        Assert.Equal(12, runner.Iter);
        Assert.Single(hook.At("after_train_epoch"));
        Assert.True(File.Exists(Path.Combine(Tmp.Path, "iter_12.pth")));
        string log = File.ReadAllText(Directory.GetFiles(Tmp.Path, "*.log", SearchOption.AllDirectories).Single());
        Assert.Contains("Iter(train) [ 1/12]  lr: 1.0000e-01  eta: ", log);
        Assert.Contains("Iter(train) [12/12]", log);
    }

    [Fact]
    public void IterBased_DynamicIntervals_ValAtFiveTenTwelve()
    {
        var cfg = ToyRunner.IterBasedConfig(Tmp.Path);
        var trainCfg = (ConfigDict)cfg["train_cfg"]!;
        trainCfg["val_interval"] = 5L;
        trainCfg["val_begin"] = 1L;
        trainCfg["dynamic_intervals"] = new List<object?> { new object?[] { 11L, 2L } };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal([5, 10, 12], ToyRunner.Recorder(runner).At("after_val_epoch").Select(c => c.Iter));
    }

    [Fact]
    public void EpochBased_DynamicIntervals_SwitchAtMilestone()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict
        {
            ["by_epoch"] = true, ["max_epochs"] = 6L, ["val_interval"] = 3L,
            ["dynamic_intervals"] = new List<object?> { new object?[] { 4L, 1L } },
        };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal([3, 4, 5, 6], ToyRunner.Recorder(runner).At("after_val_epoch").Select(c => c.Epoch));
    }

    [Fact]
    public void IterBased_ResumeMidEpoch_SkipsConsumedBatchesAndMatchesStraightRun()
    {
        // RUN-09: 12 iterations straight vs 6, then resume from iter_6.pth (4 batches per epoch: mid-epoch 2).
        ConfigDict Cfg(string dir, long checkpointInterval)
        {
            var cfg = ToyRunner.IterBasedConfig(Path.Combine(Tmp.Path, dir));
            ((ConfigDict)((ConfigDict)cfg["default_hooks"]!)["checkpoint"]!)["interval"] = checkpointInterval;
            return cfg;
        }
        float[] Weights(Kiln.Runner r) => r.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

        float[] straight;
        using (var runner = Toy.Create(Cfg("straight", 12)))
        {
            runner.Train();
            straight = Weights(runner);
        }
        using (var first = Toy.Create(Cfg("split", 6)))
        {
            var trainCfg = (ConfigDict)first.Cfg["train_cfg"]!;
            trainCfg["max_iters"] = 6L;
            first.Train();
        }
        var resumedCfg = Cfg("split", 6);
        resumedCfg["resume"] = true;
        using var resumed = Toy.Create(resumedCfg);
        resumed.Train();
        var hook = ToyRunner.Recorder(resumed);
        Assert.Equal(Enumerable.Range(6, 6), hook.At("before_train_iter").Select(c => c.Iter));
        Assert.Equal(straight, Weights(resumed));
    }

    [Fact]
    public void TrainCfg_TypeAndByEpoch_IsMMEnginesError()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["type"] = "EpochBasedTrainLoop", ["by_epoch"] = true, ["max_epochs"] = 1L };
        using var runner = Toy.Create(cfg);
        var e = Assert.Throws<KilnException>(() => runner.Train());
        Assert.Contains("either 'type' or 'by_epoch'", e.Message);
    }

    [Fact]
    public void TrainCfg_UnknownKey_NamesItAndSuggests()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epoch"] = 1L };
        using var runner = Toy.Create(cfg);
        var e = Assert.Throws<KilnException>(() => runner.Train());
        Assert.Contains("train_cfg", e.Message);
        Assert.Contains("'max_epoch' (did you mean 'max_epochs'?)", e.Message);
    }

    [Fact]
    public void Randomness_SameSeedSameWeights_OtherSeedDifferent()
    {
        // RUN-07, SEED-01: one seed drives weight init and the sampler's shuffle.
        float[] Train(long seed, string dir)
        {
            var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, dir));
            cfg["randomness"] = new ConfigDict { ["seed"] = seed };
            using var runner = Toy.Create(cfg);
            runner.Train();
            return runner.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        var a = Train(3, "a");
        var b = Train(3, "b");
        var c = Train(4, "c");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
