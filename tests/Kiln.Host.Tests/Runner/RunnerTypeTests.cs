using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>RUN-18 runner_type: a plugin replaces the Runner through the RUNNERS registry; the host builds it with DI.</summary>
public sealed class RunnerTypeTests : ToyRunnerTest
{
    [Fact]
    public void RunnerType_PluginRunner_BuiltWithServicesAndTrains()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["runner_type"] = "ToyCustomRunner"; // unscoped: found in default_scope 'toy'
        using var runner = Toy.Create(cfg);
        var custom = Assert.IsType<ToyCustomRunner>(runner);
        Assert.NotNull(custom.Loggers);
        runner.Train();
        Assert.Equal(1, custom.TrainCalls);
        Assert.Equal(2, runner.Epoch);
        // RUN-16: what hooks and user code read off the runner
        Assert.Equal(8, runner.Iter);
        Assert.Equal(4, runner.TrainDataloader!.Count);
        Assert.Equal((1, 0), (runner.WorldSize, runner.Rank));
        Assert.Equal(0, runner.Seed);
        Assert.StartsWith("test1_", runner.ExperimentName);
        Assert.Equal(Path.Combine(runner.WorkDir, runner.Timestamp), runner.LogDir);
    }

    [Fact]
    public void RunnerType_ScopedNameAndPlainRunner_Resolve()
    {
        var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, "a"));
        cfg["default_scope"] = "mmengine";
        cfg["model"] = new ConfigDict { ["type"] = "toy.ToyModel" };
        cfg.Remove("custom_hooks");
        cfg["runner_type"] = "toy.ToyCustomRunner";
        using (var runner = Toy.Create(cfg)) Assert.IsType<ToyCustomRunner>(runner);

        var plain = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, "b"));
        plain["runner_type"] = "Runner";
        using (var runner = Toy.Create(plain)) Assert.Equal(typeof(Kiln.Runner), runner.GetType());
    }

    [Fact]
    public void RunnerType_Unknown_SuggestsClosest()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["runner_type"] = "ToyCustomRuner";
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("runner_type.type: 'ToyCustomRuner' is not in the toy::runner registry", e.Message);
        Assert.Contains("Did you mean 'ToyCustomRunner'", e.Message);
    }

    [Fact]
    public void RunnerType_NotARunner_SaysWhy()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["runner_type"] = 3L;
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("runner_type = 3 must be the registered name of a Runner class", e.Message);
    }
}
