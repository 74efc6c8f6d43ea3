using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>
/// RUN-12, LOOP-01..05: the order in which the Runner and its loops call every hook point, as MMEngine's
/// runner.train/val/test and EpochBasedTrainLoop/IterBasedTrainLoop/ValLoop/TestLoop call them
/// (mmengine-internals §1.3-1.5).
/// </summary>
public sealed class HookCallOrderTests : ToyRunnerTest
{
    private static IEnumerable<string> Repeat(int times, params string[] stages) => Enumerable.Repeat(stages, times).SelectMany(s => s);

    private static string[] ValPass(string mode) =>
        [$"before_{mode}", $"before_{mode}_epoch", .. Repeat(4, $"before_{mode}_iter", $"after_{mode}_iter"), $"after_{mode}_epoch", $"after_{mode}"];

    [Fact]
    public void EpochBased_OneEpochWithValAndCheckpoint_MMEnginesOrder()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 1L, ["val_interval"] = 1L };
        cfg["default_hooks"] = new ConfigDict { ["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["interval"] = 1L } };
        using var runner = Toy.Create(cfg);
        runner.Train();
        string[] expected =
        [
            "before_run", "before_train", "before_train_epoch",
            .. Repeat(4, "before_train_iter", "after_train_iter"),
            // CheckpointHook (VERY_LOW) saves in after_train_epoch after the NORMAL-priority hooks have run theirs
            "after_train_epoch", "before_save_checkpoint",
            .. ValPass("val"),
            "after_train", "after_run",
        ];
        Assert.Equal(expected, ToyRunner.Recorder(runner).Calls.Select(c => c.Stage));
    }

    [Fact]
    public void IterBased_EightItersValEveryFour_MMEnginesOrder()
    {
        var cfg = ToyRunner.IterBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = false, ["max_iters"] = 8L, ["val_interval"] = 4L };
        cfg["default_hooks"] = new ConfigDict();
        using var runner = Toy.Create(cfg);
        runner.Train();
        // IterBasedTrainLoop: before_train_epoch once at the start, after_train_epoch once at the end.
        string[] expected =
        [
            "before_run", "before_train", "before_train_epoch",
            .. Repeat(4, "before_train_iter", "after_train_iter"), .. ValPass("val"),
            .. Repeat(4, "before_train_iter", "after_train_iter"), .. ValPass("val"),
            // default_hooks={} keeps MMEngine's default CheckpointHook(interval=1, by_epoch=True): it saves at the
            // loop's one after_train_epoch
            "after_train_epoch", "before_save_checkpoint", "after_train", "after_run",
        ];
        Assert.Equal(expected, ToyRunner.Recorder(runner).Calls.Select(c => c.Stage));
    }

    [Fact]
    public void ValThenTest_EachWrappedInRunHooks()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["test_dataloader"] = cfg["val_dataloader"];
        cfg["test_cfg"] = new ConfigDict();
        cfg["test_evaluator"] = cfg["val_evaluator"];
        using var runner = Toy.Create(cfg);
        runner.Val();
        runner.Test();
        string[] expected = ["before_run", .. ValPass("val"), "after_run", "before_run", .. ValPass("test"), "after_run"];
        Assert.Equal(expected, ToyRunner.Recorder(runner).Calls.Select(c => c.Stage));
    }

    [Fact]
    public void CustomValLoop_FromLoopsRegistry_TypeNamedTestLoop_Builds()
    {
        // LOOP-06: val_cfg.type names a plugin's loop; test_cfg.type='TestLoop' is MMEngine's spelling of the default.
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["val_cfg"] = new ConfigDict { ["type"] = "ToyValLoop", ["passes"] = 2L };
        cfg["test_dataloader"] = cfg["val_dataloader"];
        cfg["test_cfg"] = new ConfigDict { ["type"] = "TestLoop" };
        cfg["test_evaluator"] = cfg["val_evaluator"];
        using var runner = Toy.Create(cfg);
        runner.Val();
        runner.Test();
        string[] expected = ["before_run", .. ValPass("val"), .. ValPass("val"), "after_run", "before_run", .. ValPass("test"), "after_run"];
        Assert.Equal(expected, ToyRunner.Recorder(runner).Calls.Select(c => c.Stage));

        cfg["val_cfg"] = new ConfigDict { ["type"] = "ToyValLop" };
        using var bad = Toy.Create(cfg);
        var e = Assert.Throws<KilnException>(() => bad.Val());
        Assert.Contains("val_cfg.type: 'ToyValLop' is not in the toy::loop registry. Did you mean 'ToyValLoop'", e.Message);
    }
}

/// <summary>RUN-12: MMEngine's get_hooks_info block, logged when the Runner is built (test_get_hooks_info).</summary>
public sealed class HooksInfoTests : ToyRunnerTest
{
    [Fact]
    public void DefaultHooks_AfterTrainIterBlock_IsMMEnginesExactText()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg.Remove("custom_hooks");
        using var runner = Toy.Create(cfg);
        string info = runner.HookList.GetHooksInfo();
        const string expected =
            "after_train_iter:\n" +
            "(VERY_HIGH   ) RuntimeInfoHook                    \n" +
            "(NORMAL      ) IterTimerHook                      \n" +
            "(BELOW_NORMAL) LoggerHook                         \n" +
            "(LOW         ) ParamSchedulerHook                 \n" +
            "(VERY_LOW    ) CheckpointHook                     \n" +
            " -------------------- ";
        Assert.Contains(expected, info);
        Assert.StartsWith("before_run:\n(VERY_HIGH   ) RuntimeInfoHook", info);
        // DistSamplerSeedHook acts only before each train epoch.
        Assert.Equal(1, info.Split('\n').Count(l => l.Contains("DistSamplerSeedHook", StringComparison.Ordinal)));
        var log = File.ReadAllText(Directory.GetFiles(runner.LogDir, "*.log").Single());
        Assert.Contains("Hooks will be executed in the following order:\nbefore_run:", log);
    }
}
