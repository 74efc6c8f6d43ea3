using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Hooks;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Hooks;

/// <summary>
/// HOOK-05 / CKPT-04: MMEngine's tests/test_hooks/test_checkpoint_hook.py expectations (test_init,
/// test_before_train, test_after_val_epoch, test_after_train_epoch, test_after_train_iter, test_with_runner).
/// </summary>
public sealed class CheckpointHookTests : ToyRunnerTest
{
    private static CheckpointHook Hook(int interval = -1, bool byEpoch = true, string[]? saveBest = null, string[]? rule = null,
        string? outDir = null, string[]? greaterKeys = null, string[]? lessKeys = null) =>
        new(interval, byEpoch, saveBest: saveBest, rule: rule, outDir: outDir, greaterKeys: greaterKeys, lessKeys: lessKeys);

    // ---- test_init ----

    [Fact]
    public void Init_AutoWithOtherKeys_IsError()
    {
        var e = Assert.Throws<KilnException>(() => Hook(2, saveBest: ["auto", "acc"]));
        Assert.Contains("Only support one \"auto\"", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Init_RuleCountMismatch_IsError()
    {
        var e = Assert.Throws<KilnException>(() => Hook(saveBest: ["acc"], rule: ["greater", "loss"]));
        Assert.Contains("Number of \"rule\" must be", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Init_UnknownRuleOrUninferableKey_IsError()
    {
        Assert.Contains("greater, less or None", Assert.Throws<KilnException>(() => Hook(saveBest: ["acc"], rule: ["bigger"])).Message);
        Assert.Contains("cannot infer the rule for key FID", Assert.Throws<KilnException>(() => Hook(saveBest: ["FID"])).Message);
    }

    [Fact]
    public void Init_RulesInferredAsMMEngine()
    {
        var hook = Hook(2, byEpoch: false, saveBest: ["acc", "mIoU"]);
        Assert.Equal(["acc", "mIoU"], hook.KeyIndicators);
        Assert.Equal(["greater", "greater"], hook.Rules);
        hook = Hook(2, saveBest: ["FID", "IS"], rule: ["less", "greater"]);
        Assert.Equal(["less", "greater"], hook.Rules);
        hook = Hook(2, saveBest: ["acc", "mIoU"], rule: ["greater"]);
        Assert.Equal(["greater", "greater"], hook.Rules);
        Assert.Equal(["less"], Hook(saveBest: ["val/loss_cls"]).Rules);   // substring of a less key
        Assert.Equal(["greater"], Hook(saveBest: ["accuracy/top1"]).Rules); // substring of a greater key
        Assert.Equal(["less"], Hook(saveBest: ["loss_cls"], lessKeys: ["loss_cls"], greaterKeys: ["cls"]).Rules); // exact less before substring greater
    }

    [Fact]
    public void Init_FilenameTmplWithTwoPlaceholders_IsError_WithoutOne_NamesOneFile()
    {
        Assert.Contains("at most one", Assert.Throws<KilnException>(() => new CheckpointHook(filenameTmpl: "ckpt_{}_{}.pth")).Message);
        Assert.Equal("latest.pth", new CheckpointHook(filenameTmpl: "latest.pth").FilenameTmpl);
    }

    [Fact]
    public void Init_SaveBestDict_IsBindingError()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["default_hooks"] = new ConfigDict { ["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["save_best"] = new ConfigDict { ["acc"] = "acc" } } };
        var e = Assert.ThrowsAny<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("save_best should be a str or list of str", e.ToString());
        Assert.Contains("should be a str", Assert.Throws<KilnException>(() => new CheckpointHook(rule: 1L)).Message);
    }

    // ---- test_before_train ----

    [Fact]
    public void BeforeTrain_OutDir_WorkDirOrOutDirPlusWorkDirName()
    {
        var runner = new FakeHookRunner(Tmp.Combine("exp1"));
        var hook = Hook(1);
        hook.BeforeTrain(runner);
        Assert.Equal(runner.WorkDir, hook.OutDir);
        hook = Hook(1, outDir: Tmp.Combine("test_dir"));
        hook.BeforeTrain(runner);
        Assert.Equal(Tmp.Combine("test_dir", "exp1"), hook.OutDir);
        Assert.Contains($"Information: Checkpoints will be saved to {Tmp.Combine("test_dir", "exp1")}.", runner.Logs);
    }

    [Fact]
    public void BeforeTrain_BestPathsResumedFromMessageHub()
    {
        var runner = new FakeHookRunner(Tmp.Path);
        var hook = Hook(1, saveBest: ["acc", "mIoU"]);
        hook.BeforeTrain(runner);
        Assert.Equal(new Dictionary<string, string?> { ["acc"] = null, ["mIoU"] = null }, hook.BestCkptPaths);
        runner.Hub.UpdateInfo("best_ckpt_acc", "best_acc");
        hook.BeforeTrain(runner);
        Assert.Equal(new Dictionary<string, string?> { ["acc"] = "best_acc", ["mIoU"] = null }, hook.BestCkptPaths);

        hook = Hook(1, saveBest: ["acc"]);
        hook.BeforeTrain(runner);
        Assert.Null(hook.BestCkptPaths["acc"]);
        runner.Hub.UpdateInfo("best_ckpt", "best_ckpt");
        hook.BeforeTrain(runner);
        Assert.Equal("best_ckpt", hook.BestCkptPaths["acc"]);
    }

    // ---- test_after_val_epoch ----

    [Fact]
    public void AfterValEpoch_EmptyMetrics_WarnsAndSavesNothing()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Epoch = 9 };
        var hook = Hook(2, saveBest: ["auto"]);
        hook.BeforeTrain(runner);
        hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double>()));
        Assert.Contains(runner.Logs, l => l.StartsWith("Warning: Since `metrics` is an empty dict", StringComparison.Ordinal));
        Assert.False(runner.Hub.RuntimeInfo.ContainsKey("best_score"));
    }

    [Fact]
    public void AfterValEpoch_SaveBestNone_NoBestInfo()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Epoch = 9 };
        var hook = Hook(2);
        hook.BeforeTrain(runner);
        hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { ["acc"] = 0.5 }));
        Assert.False(runner.Hub.RuntimeInfo.ContainsKey("best_score"));
        Assert.False(runner.Hub.RuntimeInfo.ContainsKey("best_ckpt"));
    }

    [Fact]
    public void AfterValEpoch_ScoresAndRules_AsMMEngine()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Epoch = 9 };
        var metrics = new Dictionary<string, double> { ["acc"] = 0.5, ["map"] = 0.3 };

        // auto: the first metric, rule inferred
        var hook = Hook(2, saveBest: ["auto"]);
        hook.BeforeTrain(runner);
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(["acc"], hook.KeyIndicators);
        Assert.Equal(["greater"], hook.Rules);
        Assert.Equal(0.5, runner.Hub.GetInfo("best_score"));
        Assert.Equal(Path.Combine(Tmp.Path, "best_acc_epoch_9.pth"), runner.Hub.GetInfo("best_ckpt"));
        Assert.Contains("Information: The best checkpoint with 0.5000 acc at 9 epoch is saved to best_acc_epoch_9.pth.", runner.Logs);

        hook = Hook(2, saveBest: ["acc"]);
        hook.BeforeTrain(runner);
        metrics["acc"] = 0.8;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(0.8, runner.Hub.GetInfo("best_score"));

        hook = Hook(2, saveBest: ["loss"]);
        hook.BeforeTrain(runner);
        metrics["loss"] = 0.8;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        metrics["loss"] = 0.5;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(0.5, runner.Hub.GetInfo("best_score"));

        hook = Hook(2, saveBest: ["acc"], rule: ["less"]);
        hook.BeforeTrain(runner);
        metrics["acc"] = 0.3;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(0.3, runner.Hub.GetInfo("best_score"));

        hook = Hook(2, saveBest: ["loss"], rule: ["greater"]);
        hook.BeforeTrain(runner);
        metrics["loss"] = 1.0;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(1.0, runner.Hub.GetInfo("best_score"));
    }

    [Fact]
    public void AfterValEpoch_SeveralKeys_BestPerKey()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Epoch = 9 };
        var hook = Hook(2, saveBest: ["acc", "mIoU"]);
        hook.BeforeTrain(runner);
        hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { ["acc"] = 0.5, ["mIoU"] = 0.6 }));
        Assert.Equal(0.5, runner.Hub.GetInfo("best_score_acc"));
        Assert.Equal(0.6, runner.Hub.GetInfo("best_score_mIoU"));
        Assert.Equal(Path.Combine(Tmp.Path, "best_acc_epoch_9.pth"), runner.Hub.GetInfo("best_ckpt_acc"));
        Assert.Equal(Path.Combine(Tmp.Path, "best_mIoU_epoch_9.pth"), runner.Hub.GetInfo("best_ckpt_mIoU"));
    }

    [Fact]
    public void AfterValEpoch_IterBased_NamesAndNoLastCheckpointFile()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Iter = 9 };
        var hook = Hook(2, byEpoch: false, saveBest: ["acc"], rule: ["greater"]);
        hook.BeforeTrain(runner);
        var metrics = new Dictionary<string, double> { ["acc"] = 0.5, ["map"] = 0.3 };
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(Path.Combine(Tmp.Path, "best_acc_iter_9.pth"), runner.Hub.GetInfo("best_ckpt"));
        Assert.Equal(0.5, runner.Hub.GetInfo("best_score"));
        metrics["acc"] = 0.666;
        hook.AfterValEpoch(runner, new MetricsArgs(metrics));
        Assert.Equal(0.666, runner.Hub.GetInfo("best_score"));
        Assert.False(File.Exists(Path.Combine(Tmp.Path, "last_checkpoint")));
        // the best checkpoint's meta is the runner's (epoch, iter), not the next step
        var meta = (PyDict)((PyDict)CheckpointFile.Load(Path.Combine(Tmp.Path, "best_acc_iter_9.pth"))!)["meta"]!;
        Assert.Equal(9L, meta["iter"]);
    }

    [Fact]
    public void AfterValEpoch_OnlyOneBestCheckpointKept()
    {
        foreach (bool byEpoch in new[] { true, false })
        {
            using var dir = new TempDir();
            var runner = new FakeHookRunner(dir.Path);
            var hook = Hook(2, byEpoch: byEpoch, saveBest: ["acc"]);
            hook.BeforeTrain(runner);
            for (int i = 1; i <= 3; i++)
            {
                runner.Epoch = runner.Iter = i;
                hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { ["acc"] = 0.1 * i }));
            }
            Assert.Equal([$"best_acc_{(byEpoch ? "epoch" : "iter")}_3.pth"], Directory.GetFiles(dir.Path, "best*").Select(Path.GetFileName));
            Assert.Contains(runner.Logs, l => l.Contains("The previous best checkpoint", StringComparison.Ordinal) && l.EndsWith("_2.pth is removed", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AfterValEpoch_MissingKey_NamesAvailableMetrics()
    {
        var runner = new FakeHookRunner(Tmp.Path);
        var hook = Hook(1, saveBest: ["mIoU"]);
        hook.BeforeTrain(runner);
        var e = Assert.Throws<KilnException>(() => hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { ["acc"] = 1 })));
        Assert.Contains("'mIoU'", e.Message);
        Assert.Contains("'acc'", e.Message);
    }

    // ---- test_after_train_epoch / test_after_train_iter ----

    [Fact]
    public void AfterTrainEpoch_IntervalTwo_LastCkptAndPointerFile()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Epoch = 9 };
        var hook = Hook(2);
        hook.BeforeTrain(runner);
        hook.AfterTrainEpoch(runner);
        string expected = Path.Combine(Tmp.Path, "epoch_10.pth");
        Assert.Equal(expected, runner.Hub.GetInfo("last_ckpt"));
        Assert.Equal(expected, File.ReadAllText(Path.Combine(Tmp.Path, "last_checkpoint")));
        runner.Epoch = 10;
        hook.AfterTrainEpoch(runner);
        Assert.Equal(expected, runner.Hub.GetInfo("last_ckpt"));

        var iterRunner = new FakeHookRunner(Tmp.Combine("b")) { Epoch = 9 };
        var iterHook = Hook(2, byEpoch: false);
        iterHook.BeforeTrain(iterRunner);
        iterHook.AfterTrainEpoch(iterRunner);
        Assert.False(iterRunner.Hub.RuntimeInfo.ContainsKey("last_ckpt"));
    }

    [Fact]
    public void AfterTrainIter_OnlyWhenNotByEpoch()
    {
        var runner = new FakeHookRunner(Tmp.Path) { Iter = 9 };
        var args = new TrainIterArgs(9, null!, new Dictionary<string, double>());
        var hook = Hook(2);
        hook.BeforeTrain(runner);
        hook.AfterTrainIter(runner, args);
        Assert.False(runner.Hub.RuntimeInfo.ContainsKey("last_ckpt"));
        hook = Hook(2, byEpoch: false);
        hook.BeforeTrain(runner);
        hook.AfterTrainIter(runner, args);
        Assert.Equal(Path.Combine(Tmp.Path, "iter_10.pth"), runner.Hub.GetInfo("last_ckpt"));
        Assert.Contains("Information: Saving checkpoint at 10 iterations", runner.Logs);
    }

    // ---- test_with_runner (11 epochs of 4 iterations, or 11 iterations) ----

    private ConfigDict RunnerCfg(string type, ConfigDict checkpoint, string? workDir = null)
    {
        var cfg = type == "epoch" ? ToyRunner.EpochBasedConfig(workDir ?? Tmp.Path) : ToyRunner.IterBasedConfig(workDir ?? Tmp.Path);
        var train = (ConfigDict)cfg["train_cfg"]!;
        train[$"max_{type}s"] = 11L;
        train["val_interval"] = 100L;
        train["val_begin"] = 1L;
        cfg.Remove("custom_hooks");
        checkpoint["type"] = "CheckpointHook";
        checkpoint.SetDefault("by_epoch", type == "epoch");
        checkpoint.SetDefault("interval", 1L);
        cfg["default_hooks"] = new ConfigDict { ["checkpoint"] = checkpoint, ["logger"] = new ConfigDict { ["type"] = "LoggerHook", ["interval"] = 100L } };
        return cfg;
    }

    private void Train(ConfigDict cfg)
    {
        using var runner = Toy.Create(cfg);
        runner.Train();
    }

    private static PyDict Load(string path) => (PyDict)CheckpointFile.Load(path)!;

    private static PyDict RuntimeInfo(PyDict ckpt) => (PyDict)((PyDict)ckpt["message_hub"]!)["runtime_info"]!;

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_IntervalTwo_EvenStepsAndLast(string type)
    {
        Train(RunnerCfg(type, new ConfigDict { ["interval"] = 2L }));
        for (int i = 1; i <= 10; i++) Assert.Equal(i % 2 == 0, File.Exists(Tmp.Combine($"{type}_{i}.pth")));
        Assert.True(File.Exists(Tmp.Combine($"{type}_11.pth")));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_SaveOptimizerAndSchedulerFlags(string type)
    {
        var cfg = RunnerCfg(type, new ConfigDict { ["save_optimizer"] = false, ["save_param_scheduler"] = false });
        cfg["param_scheduler"] = new List<object?> { new ConfigDict { ["type"] = "LinearLR", ["start_factor"] = 0.1, ["begin"] = 0L, ["end"] = 500L, ["by_epoch"] = type == "epoch" } };
        Train(cfg);
        var ckpt = Load(Tmp.Combine($"{type}_11.pth"));
        Assert.False(ckpt.ContainsKey("optimizer"));
        Assert.False(ckpt.ContainsKey("param_schedulers"));

        using var other = new TempDir();
        cfg = RunnerCfg(type, new ConfigDict(), other.Path);
        cfg["param_scheduler"] = new List<object?> { new ConfigDict { ["type"] = "LinearLR", ["start_factor"] = 0.1, ["begin"] = 0L, ["end"] = 500L, ["by_epoch"] = type == "epoch" } };
        Train(cfg);
        ckpt = Load(Path.Combine(other.Path, $"{type}_11.pth"));
        Assert.True(ckpt.ContainsKey("optimizer"));
        Assert.True(ckpt.ContainsKey("param_schedulers"));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_OutDir_GetsWorkDirName(string type)
    {
        string workDir = Tmp.Combine("exp_a");
        string outDir = Tmp.Combine("out_dir");
        Train(RunnerCfg(type, new ConfigDict { ["out_dir"] = outDir }, workDir));
        Assert.True(File.Exists(Path.Combine(outDir, "exp_a", $"{type}_11.pth")));
        Assert.Equal(Path.Combine(outDir, "exp_a", $"{type}_11.pth"), File.ReadAllText(Path.Combine(workDir, "last_checkpoint")));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_MaxKeepCkpts_AndResumeKeepsDeleting(string type)
    {
        Train(RunnerCfg(type, new ConfigDict { ["max_keep_ckpts"] = 3L }));
        for (int i = 1; i <= 8; i++) Assert.False(File.Exists(Tmp.Combine($"{type}_{i}.pth")), $"{type}_{i}.pth");
        for (int i = 9; i <= 11; i++) Assert.True(File.Exists(Tmp.Combine($"{type}_{i}.pth")), $"{type}_{i}.pth");
        Assert.Equal([9L, 10L, 11L], (List<object?>)RuntimeInfo(Load(Tmp.Combine($"{type}_11.pth")))["keep_ckpt_ids"]!);

        // resume to 12 with max_keep_ckpts=2: 9 and 10 go, 11 and 12 stay
        var cfg = RunnerCfg(type, new ConfigDict { ["max_keep_ckpts"] = 2L });
        ((ConfigDict)cfg["train_cfg"]!)[$"max_{type}s"] = 12L;
        cfg["load_from"] = Tmp.Combine($"{type}_11.pth");
        cfg["resume"] = true;
        Train(cfg);
        Assert.False(File.Exists(Tmp.Combine($"{type}_9.pth")));
        Assert.False(File.Exists(Tmp.Combine($"{type}_10.pth")));
        Assert.True(File.Exists(Tmp.Combine($"{type}_11.pth")));
        Assert.True(File.Exists(Tmp.Combine($"{type}_12.pth")));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_MaxKeepOne_OnlyLast(string type)
    {
        Train(RunnerCfg(type, new ConfigDict { ["max_keep_ckpts"] = 1L }));
        Assert.Equal([$"{type}_11.pth"], Directory.GetFiles(Tmp.Path, "*.pth").Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_FilenameTmpl(string type)
    {
        Train(RunnerCfg(type, new ConfigDict { ["filename_tmpl"] = "test_{}.pth" }));
        Assert.True(File.Exists(Tmp.Combine("test_11.pth")));
    }

    [Theory]
    [InlineData("epoch", 1L)]
    [InlineData("iter", 1L)]
    [InlineData("epoch", 2L)]
    [InlineData("iter", 2L)]
    public void WithRunner_SaveBestTriangleMetric_BestAtFive(string type, long interval)
    {
        var cfg = RunnerCfg(type, new ConfigDict { ["save_best"] = "test/acc", ["interval"] = interval });
        cfg["val_evaluator"] = new ConfigDict { ["type"] = "TriangleMetric", ["length"] = 11L };
        ((ConfigDict)cfg["train_cfg"]!)["val_interval"] = 1L;
        Train(cfg);
        string bestPath = Tmp.Combine($"best_test_acc_{type}_5.pth");
        var best = Load(bestPath);
        // with interval 2 step 5 is saved anyway, because it is the best
        var ckpt = Load(Tmp.Combine($"{type}_5.pth"));
        Assert.Equal(bestPath, RuntimeInfo(ckpt)["best_ckpt"]);
        var (epoch, iter) = type == "epoch" ? (5L, 20L) : (0L, 5L);
        Assert.Equal(epoch, ((PyDict)ckpt["meta"]!)["epoch"]);
        Assert.Equal(iter, ((PyDict)ckpt["meta"]!)["iter"]);
        Assert.Equal(epoch, ((PyDict)best["meta"]!)["epoch"]);
        Assert.Equal(iter, ((PyDict)best["meta"]!)["iter"]);
        Assert.False(best.ContainsKey("optimizer"));
        Assert.Single(Directory.GetFiles(Tmp.Path, "best_*"));
    }

    [Fact]
    public void WithRunner_SaveBest_ResumedRunRemovesOldBest()
    {
        var cfg = RunnerCfg("epoch", new ConfigDict { ["save_best"] = "test/acc" });
        cfg["val_evaluator"] = new ConfigDict { ["type"] = "TriangleMetric", ["length"] = 4L };
        ((ConfigDict)cfg["train_cfg"]!)["val_interval"] = 1L;
        ((ConfigDict)cfg["train_cfg"]!)["max_epochs"] = 1L;
        Train(cfg);   // acc 1 - |1-2|/4 = 0.75 at epoch 1
        Assert.True(File.Exists(Tmp.Combine("best_test_acc_epoch_1.pth")));

        // resume: the new metric restarts counting (acc 0.75 at epoch 2, not better), then 1.0 at epoch 3
        ((ConfigDict)cfg["train_cfg"]!)["max_epochs"] = 3L;
        cfg["resume"] = true;
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(1.0, runner.MessageHub.GetInfo("best_score"));
        Assert.Equal(["best_test_acc_epoch_3.pth"], Directory.GetFiles(Tmp.Path, "best_*").Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("iter")]
    public void WithRunner_PublishedKeys_ShaSuffixAndOnlyThoseKeys(string type)
    {
        Train(RunnerCfg(type, new ConfigDict { ["published_keys"] = new List<object?> { "meta", "state_dict" } }));
        var published = Directory.GetFiles(Tmp.Path, "*.pth").Where(f => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(f), @"^\w+_11-[0-9a-f]{8}\.pth$")).ToList();
        Assert.Single(published);
        Assert.Equal(["meta", "state_dict"], Load(published[0]).Keys.Cast<string>());
        Assert.True(Load(Tmp.Combine($"{type}_11.pth")).ContainsKey("optimizer"));
    }

    [Theory]
    [InlineData("epoch", 5L, new[] { 5, 7, 9, 11 })]
    [InlineData("iter", 5L, new[] { 5, 7, 9, 11 })]
    [InlineData("epoch", 0L, new[] { 2, 4, 6, 8, 10, 11 })]
    [InlineData("iter", 1L, new[] { 1, 3, 5, 7, 9, 11 })]
    public void WithRunner_SaveBegin(string type, long saveBegin, int[] expected)
    {
        Train(RunnerCfg(type, new ConfigDict { ["interval"] = 2L, ["save_begin"] = saveBegin }));
        var saved = Enumerable.Range(0, 12).Where(i => File.Exists(Tmp.Combine($"{type}_{i}.pth")));
        Assert.Equal(expected, saved);
    }
}
