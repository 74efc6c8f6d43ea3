using Kiln.Config;
using Kiln.Evaluation;
using Kiln.Hooks;
using Kiln.Structures;
using Kiln.TestKit.Toy;
using Kiln.Tests.Logging;

namespace Kiln.Tests.Hooks;

/// <summary>HOOK-12: MMEngine's test_early_stopping_hook.py, ported value for value.</summary>
public sealed class EarlyStoppingHookTests : ToyRunnerTest
{
    /// <summary>Feeds <paramref name="values"/> to the hook until it asks to stop, as MMEngine's loop over metrics.</summary>
    private static FakeRunnerContext Feed(EarlyStoppingHook hook, string key, IEnumerable<double> values)
    {
        var runner = new FakeRunnerContext();
        foreach (var v in values)
        {
            hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { [key] = v }));
            if (runner.StopRequested) break;
        }
        return runner;
    }

    // torch.linspace(98, 99, 8)
    private static IEnumerable<double> Linspace98To99() => Enumerable.Range(0, 8).Select(i => 98 + i / 7.0);

    [Theory]
    [InlineData("acc", "greater")]
    [InlineData("ACC", "greater")]
    [InlineData("mAP_50", "greater")]
    [InlineData("accuracy/top1", "greater")]
    [InlineData("loss", "less")]
    [InlineData("Loss", "less")]
    [InlineData("ce_loss", "less")]
    public void Init_RuleInferredFromMonitor(string monitor, string rule)
    {
        var hook = new EarlyStoppingHook(monitor);
        Assert.Equal(rule, hook.Rule);
        if (rule == "greater") Assert.True(hook.BestScore < 0);
        else Assert.True(hook.BestScore > 0);
        Assert.Equal(HookPriority.Lowest, hook.Priority);
    }

    [Fact]
    public void Init_UninferableOrInvalidRule_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => new EarlyStoppingHook("recall"));
        Assert.Contains("'recall'", e.Message);
        Assert.Contains("rule='greater'", e.Message);
        var bad = Assert.Throws<KilnException>(() => new EarlyStoppingHook("accuracy/top1", rule: "the world"));
        Assert.Contains("'the world'", bad.Message);
        Assert.Contains("'greater', 'less'", bad.Message);
    }

    [Fact]
    public void AfterValEpoch_MissingMonitor_SkipsOrThrowsWhenStrict()
    {
        var metrics = new MetricsArgs(new Dictionary<string, double> { ["accuracy/top1"] = 0.5, ["loss"] = 0.23 });
        var runner = new FakeRunnerContext();
        var lenient = new EarlyStoppingHook("acc", rule: "greater");
        lenient.AfterValEpoch(runner, metrics);
        Assert.False(runner.StopRequested);
        Assert.Equal(double.NegativeInfinity, lenient.BestScore);
        var strict = new EarlyStoppingHook("acc", rule: "greater", strict: true);
        var e = Assert.Throws<KilnException>(() => strict.AfterValEpoch(runner, metrics));
        Assert.Contains("'acc'", e.Message);
        Assert.Contains("'accuracy/top1', 'loss'", e.Message);
    }

    [Fact]
    public void AfterValEpoch_RisingScores_BestIsLargest()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater");
        var runner = Feed(hook, "accuracy/top1", Enumerable.Range(0, 8).Select(i => i / 9.0));
        Assert.Equal(7 / 9.0, hook.BestScore, 12);
        Assert.False(runner.StopRequested);
    }

    [Fact]
    public void AfterValEpoch_FallingLoss_BestIsSmallest()
    {
        var hook = new EarlyStoppingHook("loss");
        Feed(hook, "loss", Enumerable.Range(1, 8).Reverse().Select(i => i / 9.0));
        Assert.Equal(1 / 9.0, hook.BestScore, 12);
    }

    [Fact]
    public void AfterValEpoch_MinDelta1OverLinspace_Stops()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater", minDelta: 1);
        Assert.True(Feed(hook, "accuracy/top1", Linspace98To99()).StopRequested);
        Assert.Equal(98, hook.BestScore);
        Assert.Equal(5, hook.WaitCount);
    }

    [Fact]
    public void AfterValEpoch_Infinite_StopsAtOnce()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater", minDelta: 1);
        var runner = new FakeRunnerContext();
        hook.AfterValEpoch(runner, new MetricsArgs(new Dictionary<string, double> { ["accuracy/top1"] = double.PositiveInfinity }));
        Assert.True(runner.StopRequested);
        Assert.Equal("Monitored metric accuracy/top1 = inf is infinite. Previous best value was -inf.", new EarlyStoppingHook("accuracy/top1", rule: "greater").CheckStop(double.PositiveInfinity));
    }

    [Fact]
    public void AfterValEpoch_InfiniteWithoutCheckFinite_DoesNotStop()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater", checkFinite: false);
        Assert.Null(hook.CheckStop(double.PositiveInfinity));
        Assert.Equal(double.PositiveInfinity, hook.BestScore);
    }

    [Fact]
    public void AfterValEpoch_Patience10_DoesNotStop()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater", minDelta: 1, patience: 10);
        Assert.False(Feed(hook, "accuracy/top1", Linspace98To99()).StopRequested);
        // 6 values within min_delta of 98, then 99 = 98 + 1 is not "greater than best + min_delta": a new best.
        Assert.Equal((99.0, 0), (hook.BestScore, hook.WaitCount));
    }

    [Fact]
    public void AfterValEpoch_StoppingThreshold_StopsAtFirstValueAbove()
    {
        var hook = new EarlyStoppingHook("accuracy/top1", rule: "greater", stoppingThreshold: 98.5, patience: 0);
        Assert.True(Feed(hook, "accuracy/top1", Linspace98To99()).StopRequested);
        Assert.Equal(98 + 4 / 7.0, hook.BestScore, 5);
    }

    [Fact]
    public void Registry_BuildsFromConfigKeys()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["custom_hooks"] = new List<object?>
        {
            new ConfigDict { ["type"] = "EarlyStoppingHook", ["monitor"] = "loss", ["min_delta"] = 0.5, ["check_finite"] = false, ["patience"] = 2L, ["stopping_threshold"] = 0.1 },
        };
        using var runner = Toy.Create(cfg);
        var hook = runner.HookList.Hooks.OfType<EarlyStoppingHook>().Single();
        Assert.Equal(("less", -0.5, false, 2, 0.1), (hook.Rule, hook.MinDelta, hook.CheckFinite, hook.Patience, hook.StoppingThreshold));
        Assert.Same(hook, runner.HookList.Hooks[^1]);
    }

    /// <summary>MMEngine's DummyMetric: test/acc = 90, 91, 92, 88, 89, 90, ... one value per validation.</summary>
    private sealed class SequenceMetric() : BaseMetric("test")
    {
        private static readonly double[] Values = [90, 91, 92, 88, 89, 90, 90, 91, 92, 88, 89, 90];
        private int _next;

        public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples) => Results.Add(0.0);

        public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results) =>
            new Dictionary<string, double> { ["acc"] = Values[_next++] };
    }

    [Fact]
    public void WithRunner_MinDelta1Patience3_StopsAfterEpoch6()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["train_cfg"] = new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 10L, ["val_interval"] = 1L };
        cfg["val_evaluator"] = new List<object?> { new SequenceMetric() };
        cfg["custom_hooks"] = new List<object?>
        {
            new ConfigDict { ["type"] = "EarlyStoppingHook", ["monitor"] = "test/acc", ["rule"] = "greater", ["min_delta"] = 1L, ["patience"] = 3L },
        };
        using var runner = Toy.Create(cfg);
        runner.Train();
        Assert.Equal(6, runner.Epoch);
        Assert.Contains("the monitored metric did not improve in the last 3 records. best score: 92.000.",
            File.ReadAllText(Directory.GetFiles(runner.LogDir, "*.log").Single()));
    }
}
