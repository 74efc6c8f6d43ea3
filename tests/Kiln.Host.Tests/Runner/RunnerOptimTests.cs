using Kiln.Config;
using Kiln.Optim;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>
/// The optimizer wrapper through the Runner (OPT-02, OPT-06, OPT-10..12, RUN-09): configs with paramwise settings,
/// gradient clipping, and every optimizer resuming exactly from a checkpoint.
/// </summary>
public sealed class RunnerOptimTests : ToyRunnerTest
{
    private ConfigDict Cfg(string dir, string optimizer, long checkpointInterval)
    {
        var cfg = ToyRunner.IterBasedConfig(Path.Combine(Tmp.Path, dir));
        ((ConfigDict)((ConfigDict)cfg["default_hooks"]!)["checkpoint"]!)["interval"] = checkpointInterval;
        // PyTorch's Rprop has no weight decay.
        var (decay, biasDecay) = optimizer == "Rprop" ? ("", "") : (", weight_decay=0.001", ", bias_decay_mult=0.0");
        cfg["optim_wrapper"] = Kiln.Config.Config.FromString($"""
            optim_wrapper = dict(
                optimizer=dict(type='{optimizer}', lr=0.01{decay}),
                clip_grad=dict(max_norm=1.0),
                paramwise_cfg=dict(bias_lr_mult=2.0{biasDecay}))
            """, ".py").Dict["optim_wrapper"];
        return cfg;
    }

    private static float[] Weights(Kiln.Runner r) => r.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    // OPT-06, OPT-12: paramwise groups, clip_grad's norm in the message hub each iteration, base_lr logged.
    [Fact]
    public void Train_ParamwiseAndClipGrad_GroupsAndGradNormLogged()
    {
        using var runner = Toy.Create(Cfg("clip", "SGD", 12));
        runner.Train();

        var wrapper = (OptimWrapper)runner.OptimWrapper!;
        Assert.Equal([0.01, 0.02, 0.01, 0.02], wrapper.GetLr()["lr"]);
        Assert.Equal(12, runner.MessageHub.GetScalar("train/grad_norm").Count);
        Assert.Equal(0.01, runner.MessageHub.GetScalar("train/base_lr").Current);
    }

    // OPT-10, RUN-09: 12 iterations straight equal 6, then a resume from iter_6.pth, for every optimizer.
    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    [InlineData("Adamax")]
    [InlineData("Adagrad")]
    [InlineData("Adadelta")]
    [InlineData("RMSprop")]
    [InlineData("NAdam")]
    [InlineData("RAdam")]
    [InlineData("ASGD")]
    [InlineData("Rprop")]
    public void Resume_EveryOptimizer_MatchesStraightRun(string optimizer)
    {
        float[] straight;
        using (var runner = Toy.Create(Cfg("straight", optimizer, 12)))
        {
            runner.Train();
            straight = Weights(runner);
        }

        using (var first = Toy.Create(Cfg("split", optimizer, 6)))
        {
            ((ConfigDict)first.Cfg["train_cfg"]!)["max_iters"] = 6L;
            first.Train();
        }

        var resumedCfg = Cfg("split", optimizer, 6);
        resumedCfg["resume"] = true;
        using var resumed = Toy.Create(resumedCfg);
        resumed.Train();
        Assert.Equal(straight, Weights(resumed));
    }

    // OPT-09: a dict of optimizer configs without a constructor is MMEngine's error, naming the way out.
    [Fact]
    public void Train_DictOfConfigsWithoutConstructor_IsClearError()
    {
        var cfg = ToyRunner.IterBasedConfig(Tmp.Path);
        cfg["optim_wrapper"] = new ConfigDict { ["linear1"] = new ConfigDict { ["optimizer"] = new ConfigDict { ["type"] = "SGD", ["lr"] = 0.1 } } };
        using var runner = Toy.Create(cfg);
        var e = Assert.Throws<KilnException>(() => runner.Train());
        Assert.Contains("MultiOptimWrapperConstructor", e.Message);
    }
}
