using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Optim;
using Kiln.Optim.Schedulers;
using Kiln.Registry;
using Kiln.TestKit.Toy;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using TorchSharp.Modules;

namespace Kiln.Tests.Optim;

/// <summary>
/// MMEngine's tests/test_optim/test_scheduler/test_lr_scheduler.py, test_momentum_scheduler.py and
/// test_param_scheduler.py, value for value (SCHED-01..09, SCHED-11). Schedulers are built through the
/// PARAM_SCHEDULERS registry by their MMEngine names and argument names, as a config would build them. Fixture as
/// MMEngine's: SGD over two param groups, lr 0.05 and 0.5 (layer2_mult 10), momentum 0.01, weight decay 5e-4;
/// the protocol of <c>_test_scheduler_value</c>: compare every group with the target of the epoch (atol 1e-5), then
/// step every scheduler.
/// </summary>
public sealed class ParamSchedulerTests(ToyRunner host) : IClassFixture<ToyRunner>
{
    private readonly torch.nn.Module _model = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Linear(1, 1));

    private torch.optim.Optimizer TwoGroupSgd() => torch.optim.SGD(
        [
            new SGD.ParamGroup(_model.children().First().parameters(), lr: 0.05, momentum: 0.01, weight_decay: 5e-4),
            new SGD.ParamGroup(_model.children().Last().parameters(), lr: 0.5, momentum: 0.01, weight_decay: 5e-4),
        ], 0.05, momentum: 0.01, weight_decay: 5e-4);

    /// <summary>test_momentum_scheduler.py's fixture: SGD(lr=0.01, momentum=0.05, weight_decay=5e-4), one group.</summary>
    private torch.optim.Optimizer MomentumSgd() => torch.optim.SGD(_model.parameters(), 0.01, momentum: 0.05, weight_decay: 5e-4);

    private ParamScheduler Build(object optimizer, string type, params (string Key, object? Value)[] args)
    {
        var cfg = new ConfigDict { ["type"] = type };
        foreach (var (k, v) in args) cfg[k] = v;
        var builder = host.Services.GetRequiredService<ComponentBuilder>();
        return ((IComponentBuilder)builder).Build<ParamScheduler>(Registries.ParamSchedulers, cfg,
            new Dictionary<string, object?> { ["optimizer"] = optimizer, ["epoch_length"] = (long)EpochLength }, "param_scheduler");
    }

    private int EpochLength { get; set; } = 1;

    private static List<object?> L(params long[] values) => values.Select(v => (object?)v).ToList();

    private static void Expect(object optimizer, IEnumerable<ParamScheduler> schedulers, IReadOnlyList<IReadOnlyList<double>> targets, int epochs, string param = "lr")
    {
        var groups = ParamGroupValues.Of(optimizer);
        var list = schedulers.ToList();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int g = 0; g < Math.Min(groups.Count, targets.Count); g++)
                Assert.True(Math.Abs(targets[g][epoch] - groups[g][param]) <= 1e-5,
                    $"{param} is wrong in epoch {epoch} for group {g}: expected {targets[g][epoch]}, got {groups[g][param]}");
            foreach (var s in list) s.Step();
        }
    }

    /// <summary>Group 2 targets are group 1's times 10 (layer2_mult), as in MMEngine.</summary>
    private static IReadOnlyList<IReadOnlyList<double>> Both(IEnumerable<double> single)
    {
        var one = single.ToList();
        return [one, one.Select(x => x * 10).ToList()];
    }

    private static IEnumerable<double> Repeat(double v, int n) => Enumerable.Repeat(v, n);

    // ---- test_lr_scheduler.py ----

    [Fact]
    public void StepLR_DecaysEveryThreeEpochs() // SCHED-07, test_step_scheduler
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "StepLR", ("gamma", 0.1), ("step_size", 3L), ("verbose", true));
        Expect(opt, [s], Both(Repeat(0.05, 3).Concat(Repeat(0.005, 3)).Concat(Repeat(0.0005, 3)).Concat(Repeat(0.00005, 3))), 10);
    }

    [Fact]
    public void MultiStepLR_DecaysAtMilestones() // test_multi_step_scheduler
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "MultiStepLR", ("gamma", 0.1), ("milestones", L(2, 5, 9)));
        Expect(opt, [s], Both(Repeat(0.05, 2).Concat(Repeat(0.005, 3)).Concat(Repeat(0.0005, 4)).Concat(Repeat(0.00005, 3))), 10);
    }

    [Fact]
    public void ConstantLR_HalvesUntilEnd_AndRejectsFactorAboveOne() // test_constant_scheduler
    {
        var opt = TwoGroupSgd();
        Assert.Throws<KilnException>(() => Build(opt, "ConstantLR", ("factor", 99L)));
        var s = Build(opt, "ConstantLR", ("factor", 0.5), ("end", 5L));
        Expect(opt, [s], Both(Repeat(0.025, 4).Concat(Repeat(0.05, 6))), 10);
    }

    [Fact]
    public void LinearLR_InterpolatesToBase_AndRejectsFactorsOutsideZeroOne() // test_linear_scheduler
    {
        var opt = TwoGroupSgd();
        Assert.Throws<KilnException>(() => Build(opt, "LinearLR", ("start_factor", 10L), ("end", 900L)));
        Assert.Throws<KilnException>(() => Build(opt, "LinearLR", ("start_factor", -1L), ("end", 900L)));
        Assert.Throws<KilnException>(() => Build(opt, "LinearLR", ("end_factor", 1.001), ("end", 900L)));
        Assert.Throws<KilnException>(() => Build(opt, "LinearLR", ("end_factor", -0.00001), ("end", 900L)));
        var s = Build(opt, "LinearLR", ("start_factor", 0.5), ("end", 5L));
        var interpolation = Enumerable.Range(0, 4).Select(i => 0.5 + i * 0.5 / 4);
        Expect(opt, [s], Both(interpolation.Select(x => x * 0.05).Concat(Repeat(0.05, 6))), 10);
    }

    [Fact]
    public void LinearLR_EffectiveInterval_StartsAtBegin() // SCHED-05, test_effective_interval
    {
        var opt = TwoGroupSgd();
        var e = Assert.Throws<KilnException>(() => Build(opt, "StepLR", ("gamma", 0.1), ("step_size", 3L), ("begin", 10L), ("end", 5L)));
        Assert.Contains("end should be larger than begin", e.Message);
        var s = Build(opt, "LinearLR", ("start_factor", 0.5), ("begin", 1L), ("end", 6L));
        Expect(opt, [s], Both(new[] { 0.05, 0.025, 0.03125, 0.0375, 0.04375 }.Concat(Repeat(0.05, 5))), 10);
    }

    [Fact]
    public void ExponentialLR_MultipliesEveryEpoch() // test_exp_scheduler
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "ExponentialLR", ("gamma", 0.9));
        Expect(opt, [s], Both(Enumerable.Range(0, 10).Select(x => 0.05 * Math.Pow(0.9, x))), 10);
    }

    [Fact]
    public void CosineAnnealingLR_FollowsClosedForm_AndTMaxDefaultsToEndMinusBegin() // test_cos_anneal_scheduler
    {
        var opt = TwoGroupSgd();
        double etaMin = 1e-10;
        var s = Build(opt, "CosineAnnealingLR", ("T_max", 10L), ("eta_min", etaMin));
        Expect(opt, [s], Both(Enumerable.Range(0, 12).Select(x => etaMin + (0.05 - etaMin) * (1 + Math.Cos(Math.PI * x / 10)) / 2)), 12);

        var d = (CosineAnnealingParamScheduler)Build(TwoGroupSgd(), "CosineAnnealingLR", ("begin", 5L), ("end", 100L));
        Assert.Equal(95, d.TMax);
    }

    [Fact]
    public void CosineAnnealingLR_EtaMinRatio_IsAFractionOfEachBase()
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "CosineAnnealingLR", ("T_max", 10L), ("eta_min_ratio", 0.1));
        var groups = ParamGroupValues.Of(opt);
        for (int x = 0; x < 12; x++)
        {
            Assert.Equal(0.005 + (0.05 - 0.005) * (1 + Math.Cos(Math.PI * x / 10)) / 2, groups[0]["lr"], 1e-9);
            Assert.Equal(0.05 + (0.5 - 0.05) * (1 + Math.Cos(Math.PI * x / 10)) / 2, groups[1]["lr"], 1e-9);
            s.Step();
        }
        Assert.Throws<KilnException>(() => Build(TwoGroupSgd(), "CosineAnnealingLR", ("T_max", 10L), ("eta_min", 0.0), ("eta_min_ratio", 0.1)));
    }

    [Fact]
    public void PolyLR_DecaysToEtaMin() // test_poly_scheduler
    {
        var opt = TwoGroupSgd();
        double etaMin = 0.001, power = 0.9;
        var s = Build(opt, "PolyLR", ("power", power), ("eta_min", etaMin), ("end", 5L));
        var targets1 = Enumerable.Range(0, 4).Select(i => etaMin + (0.05 - etaMin) * Math.Pow(1 - i / 4.0, power)).Concat(Repeat(etaMin, 6)).ToList();
        var targets2 = Enumerable.Range(0, 4).Select(i => etaMin + (0.5 - etaMin) * Math.Pow(1 - i / 4.0, power)).Concat(Repeat(etaMin, 6)).ToList();
        Expect(opt, [s], [targets1, targets2], 10);
    }

    [Fact]
    public void CosineRestartLR_RestartsWithWeights() // test_cosine_restart_scheduler
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "CosineRestartLR", ("periods", L(4, 5)), ("restart_weights", new List<object?> { 1L, 0.5 }), ("eta_min", 0L));
        Expect(opt, [s], Both([0.05, 0.0426776, 0.025, 0.00732233, 0.025, 0.022612712, 0.01636271, 0.0086372, 0.0023872, 0.0023872]), 10);
    }

    [Fact]
    public void OneCycleLR_LinearTwoPhaseThreePhaseAndCosine() // test_onecycle_lr
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "OneCycleLR", ("eta_max", 25L), ("final_div_factor", 2L), ("total_steps", 10L), ("anneal_strategy", "linear"));
        Expect(opt, [s], [[1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]], 10);

        opt = TwoGroupSgd();
        s = Build(opt, "OneCycleLR", ("eta_max", 25L), ("div_factor", 25L), ("total_steps", 10L), ("anneal_strategy", "linear"),
            ("pct_start", 0.4), ("final_div_factor", 4L), ("three_phase", true));
        Expect(opt, [s], [[1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]], 10);

        opt = TwoGroupSgd();
        s = Build(opt, "OneCycleLR", ("eta_max", 25L), ("final_div_factor", 2L), ("total_steps", 10L));
        static double Cos(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);
        Expect(opt, [s], [new double[] { 1, 13, 25 }.Concat(Enumerable.Range(1, 6).Select(k => Cos(25, 0.5, k / 7.0))).Append(0.5).ToList()], 10);
    }

    [Fact]
    public void OneCycleLR_SteppingPastTotalSteps_IsAnError()
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "OneCycleLR", ("eta_max", 25L), ("total_steps", 3L));
        s.Step();
        s.Step();
        s.Step();
        var e = Assert.Throws<KilnException>(s.Step);
        Assert.Contains("Tried to step 5 times. The specified number of total steps is 3", e.Message);
    }

    public static TheoryData<string, string, double, double, bool> PlateauCases => new()
    {
        { "loss", "less", 0.01, 0.0, false },   // less, rel threshold 0.01
        { "loss", "less", 0.9, 0.0, true },     // less, abs threshold 0.9
        { "mAP", "greater", 0.01, 0.0, false }, // greater, rel
        { "loss", "less", 0.01, 0.01, false },  // min_value 0.01
    };

    [Theory]
    [MemberData(nameof(PlateauCases))]
    public void ReduceOnPlateauLR_ReducesAfterPatience(string monitor, string rule, double threshold, double minValue, bool abs) // test_reduce_on_plateau_scheduler
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, "ReduceOnPlateauLR", ("monitor", monitor), ("rule", rule), ("factor", 0.1), ("patience", 2L),
            ("threshold", threshold), ("threshold_rule", abs ? "abs" : "rel"), ("cooldown", 1L), ("min_value", minValue));
        double[] metrics = monitor == "loss" ? [10, 9, 8, 7, 6, 6, 6, 6, 6, 6] : [1, 2, 3, 4, 5, 5, 5, 5, 5, 5];
        IReadOnlyList<IReadOnlyList<double>> targets = minValue == 0
            ? Both(Repeat(0.05, 8).Concat(Repeat(0.005, 2)))
            : [Repeat(0.05, 8).Concat(Repeat(0.01, 2)).ToList(), Repeat(0.5, 8).Concat(Repeat(0.05, 2)).ToList()];
        var groups = ParamGroupValues.Of(opt);
        for (int epoch = 0; epoch < 10; epoch++)
        {
            for (int g = 0; g < 2; g++) Assert.Equal(targets[g][epoch], groups[g]["lr"], 1e-5);
            s.Step(new Dictionary<string, double> { [monitor] = metrics[epoch] });
        }
    }

    [Fact]
    public void ReduceOnPlateauLR_RejectsBadArguments_AndMissingMonitor()
    {
        var opt = TwoGroupSgd();
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("factor", 1.0)));
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("rule", "fake")));
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("threshold_rule", "fake")));
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("threshold", -1L)));
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("by_epoch", false)));
        Assert.Throws<KilnException>(() => Build(opt, "ReduceOnPlateauLR", ("min_value", new List<object?> { 0.1, 0.1, 0.1 })));
        var s = Build(opt, "ReduceOnPlateauLR", ("monitor", "loss"));
        var e = Assert.Throws<KilnException>(() => s.Step(new Dictionary<string, double> { ["acc"] = 1 }));
        Assert.Contains("loss", e.Message);
    }

    [Fact]
    public void Resume_WithLastStep_ContinuesTheSchedule_AndNeedsInitialLr() // test_resume
    {
        var opt = TwoGroupSgd();
        var e = Assert.Throws<KilnException>(() => Build(opt, "StepLR", ("gamma", 0.1), ("step_size", 3L), ("last_step", 10L)));
        Assert.Contains("param 'initial_lr' is not specified", e.Message);

        var results = new List<double>();
        var groups = ParamGroupValues.Of(opt);
        var s = Build(opt, "ExponentialLR", ("gamma", 0.9));
        for (int epoch = 0; epoch < 5; epoch++)
        {
            results.Add(groups[0]["lr"]);
            if (epoch < 4) s.Step();
        }
        var s2 = Build(opt, "ExponentialLR", ("gamma", 0.9), ("last_step", 4L));
        for (int epoch = 0; epoch < 5; epoch++)
        {
            results.Add(groups[0]["lr"]);
            s2.Step();
        }
        for (int i = 0; i < 10; i++) Assert.Equal(0.05 * Math.Pow(0.9, i), results[i], 1e-5);
    }

    [Fact]
    public void StepCount_IsZeroAfterConstruction_ThenCountsSteps() // test_scheduler_step_count
    {
        var s = Build(TwoGroupSgd(), "StepLR", ("gamma", 0.1), ("step_size", 3L));
        Assert.Equal(0, s.LastStep);
        var counts = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            s.Step();
            counts.Add(s.LastStep);
        }
        Assert.Equal(Enumerable.Range(1, 10), counts);
    }

    [Fact]
    public void GetLastValue_IsTheValueOfEveryGroup() // test_get_last_value
    {
        var s = Build(TwoGroupSgd(), "StepLR", ("gamma", 0.1), ("step_size", 3L));
        double[] targets = [0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005];
        for (int epoch = 0; epoch < 10; epoch++)
        {
            Assert.Equal(targets[epoch], s.LastValue[0], 1e-5);
            Assert.Equal(targets[epoch] * 10, s.LastValue[1], 1e-5);
            s.Step();
        }
    }

    [Fact]
    public void Chained_WithoutOverlap_LinearThenMultiStep() // SCHED-05/06, test_multi_scheduler_without_overlap_linear_multi_step
    {
        var opt = TwoGroupSgd();
        var s1 = Build(opt, "LinearLR", ("start_factor", 0.5), ("begin", 0L), ("end", 5L));
        var s2 = Build(opt, "MultiStepLR", ("gamma", 0.1), ("milestones", L(3, 6)), ("begin", 5L), ("end", 12L));
        Expect(opt, [s1, s2], Both(new[] { 0.025, 0.03125, 0.0375, 0.04375 }.Concat(Repeat(0.05, 4)).Concat(Repeat(0.005, 3)).Append(0.0005)), 12);
    }

    [Fact]
    public void Chained_WithOverlap_MultipliesInListOrder() // test_multi_scheduler_with_overlap
    {
        var opt = TwoGroupSgd();
        var s1 = Build(opt, "LinearLR", ("start_factor", 0.5), ("begin", 0L), ("end", 5L));
        var s2 = Build(opt, "MultiStepLR", ("gamma", 0.1), ("milestones", L(3, 6, 9)));
        Expect(opt, [s1, s2], Both(new[] { 0.025, 0.03125, 0.0375, 0.004375 }.Concat(Repeat(0.005, 2)).Concat(Repeat(0.0005, 3)).Append(0.00005)), 10);
    }

    [Fact]
    public void Chained_WithGap_KeepsTheValueBetween() // test_multi_scheduler_with_gap
    {
        var opt = TwoGroupSgd();
        var first = Enumerable.Range(0, 5).Select(x => 0.05 * Math.Pow(0.9, x)).ToList();
        double etaMin = 1e-10;
        var cosine = Enumerable.Range(0, 5).Select(x => etaMin + (first[^1] - etaMin) * (1 + Math.Cos(Math.PI * x / 5)) / 2);
        var s1 = Build(opt, "ExponentialLR", ("gamma", 0.9), ("begin", 0L), ("end", 5L));
        var s2 = Build(opt, "CosineAnnealingLR", ("T_max", 5L), ("eta_min", etaMin), ("begin", 10L), ("end", 15L));
        Expect(opt, [s1, s2], Both(first.Concat(Repeat(first[^1], 5)).Concat(cosine)), 15);
    }

    [Fact]
    public void ConvertToIterBased_ScalesStepsByEpochLength() // SCHED-03/04, test_*_convert_iterbased
    {
        EpochLength = 7;
        var opt = TwoGroupSgd();
        var s = Build(opt, "StepLR", ("gamma", 0.1), ("step_size", 2L), ("convert_to_iter_based", true));
        Assert.False(s.ByEpoch);
        Expect(opt, [s], Both(Repeat(0.05, 14).Concat(Repeat(0.005, 14))), 28);

        opt = TwoGroupSgd();
        s = Build(opt, "ConstantLR", ("factor", 0.5), ("end", 5L), ("convert_to_iter_based", true));
        Expect(opt, [s], Both(Repeat(0.025, 34).Concat(Repeat(0.05, 36))), 70);

        EpochLength = 11;
        opt = TwoGroupSgd();
        s = Build(opt, "MultiStepLR", ("gamma", 0.1), ("milestones", L(2, 5, 9)), ("convert_to_iter_based", true));
        Expect(opt, [s], Both(Repeat(0.05, 22).Concat(Repeat(0.005, 33)).Concat(Repeat(0.0005, 44)).Concat(Repeat(0.00005, 11))), 110);

        opt = TwoGroupSgd();
        s = Build(opt, "CosineAnnealingLR", ("T_max", 10L), ("eta_min", 1e-10), ("convert_to_iter_based", true));
        Expect(opt, [s], Both(Enumerable.Range(0, 132).Select(x => 1e-10 + (0.05 - 1e-10) * (1 + Math.Cos(Math.PI * x / 110)) / 2)), 132);

        EpochLength = 0;
        Assert.Throws<KilnException>(() => Build(TwoGroupSgd(), "StepLR", ("step_size", 2L), ("convert_to_iter_based", true)));
        EpochLength = 3;
        Assert.Throws<KilnException>(() => Build(TwoGroupSgd(), "StepLR", ("step_size", 2L), ("by_epoch", false), ("convert_to_iter_based", true)));
    }

    [Fact]
    public void ConvertToIterBased_LinearParamScheduler_EndTimesEpochLength() // test_build_functions.py:195-221
    {
        EpochLength = 10;
        var s = Build(TwoGroupSgd(), "LinearParamScheduler", ("param_name", "lr"), ("begin", 0L), ("end", 100L), ("convert_to_iter_based", true));
        Assert.Equal(0, s.Begin);
        Assert.Equal(1000, s.End);
        Assert.False(s.ByEpoch);
    }

    // ---- state dicts (SCHED-11) ----

    public static TheoryData<string, (string, object?)[], (string, object?)[]> StateDictCases => new()
    {
        { "StepLR", [("gamma", 0.1), ("step_size", 3L)], [("gamma", 0.01 / 2), ("step_size", 1L)] },
        { "MultiStepLR", [("gamma", 0.1), ("milestones", L(2, 5, 9))], [("gamma", 0.01), ("milestones", L(1, 4, 6))] },
        { "ExponentialLR", [("gamma", 0.1)], [("gamma", 0.01)] },
        { "CosineAnnealingLR", [("T_max", 10L), ("eta_min", 1e-10)], [("T_max", 5L), ("eta_min", 5e-11)] },
        { "LinearLR", [("start_factor", 1.0 / 3)], [("start_factor", 0L), ("end_factor", 0.3)] },
        { "PolyLR", [("power", 0.5), ("eta_min", 0.001)], [("power", 0.8)] },
        { "CosineRestartLR", [("periods", L(4, 5)), ("restart_weights", new List<object?> { 1L, 0.5 }), ("eta_min", 0L)], [("periods", L(4, 6)), ("restart_weights", new List<object?> { 1L, 0.5 }), ("eta_min", 0L)] },
        { "OneCycleLR", [("eta_max", 0.1), ("total_steps", 20L)], [("eta_max", 0.2), ("total_steps", 30L), ("anneal_strategy", "linear")] },
        { "ConstantLR", [("factor", 0.5), ("end", 4L)], [("factor", 0.2)] },
    };

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void StateDict_LoadedIntoDifferentlyConfiguredScheduler_RestoresEveryAttribute(string type, (string, object?)[] args, (string, object?)[] args2) // test_*_scheduler_state_dict
    {
        var opt = TwoGroupSgd();
        var s = Build(opt, type, args);
        for (int i = 0; i < 10; i++) s.Step();
        var copy = Build(TwoGroupSgd(), type, args2);
        var state = s.StateDict();
        copy.LoadStateDict(state);
        Assert.Equal(Describe(state), Describe(copy.StateDict()));
        Assert.Equal(s.LastValue, copy.LastValue);

        // and through a checkpoint file, as torch.save would write it
        using var dir = new Kiln.TestKit.TempDir();
        string path = Path.Combine(dir.Path, "s.pth");
        CheckpointFile.Save(path, new PyDict { ["param_schedulers"] = new List<object?> { state } });
        var loaded = (PyDict)((List<object?>)((PyDict)CheckpointFile.Load(path)!)["param_schedulers"]!)[0]!;
        var copy2 = Build(TwoGroupSgd(), type, args2);
        copy2.LoadStateDict(loaded);
        Assert.Equal(Describe(state), Describe(copy2.StateDict()));
    }

    private static string Describe(PyDict state) => ConfigFormatter.Format(ToConfig(state));

    private static object? ToConfig(object? value) => value switch
    {
        PyDict d => d.Aggregate(new ConfigDict(), (c, kv) => { c[kv.Key.ToString()!] = ToConfig(kv.Value); return c; }),
        List<object?> l => l.Select(ToConfig).ToList(),
        _ => value,
    };

    // ---- test_momentum_scheduler.py (SCHED-08) ----

    [Fact]
    public void StepMomentum_OnSgd_DecaysMomentum()
    {
        var opt = MomentumSgd();
        var s = Build(opt, "StepMomentum", ("gamma", 0.1), ("step_size", 3L), ("verbose", true));
        Expect(opt, [s], [Repeat(0.05, 3).Concat(Repeat(0.005, 3)).Concat(Repeat(0.0005, 3)).Append(0.00005).ToList()], 10, "momentum");
        Assert.False(s.UseBetas);
    }

    [Fact]
    public void Momentum_Families_FollowMMEngineTargets()
    {
        var opt = MomentumSgd();
        Expect(opt, [Build(opt, "MultiStepMomentum", ("gamma", 0.1), ("milestones", L(2, 5, 9)))],
            [Repeat(0.05, 2).Concat(Repeat(0.005, 3)).Concat(Repeat(0.0005, 4)).Append(0.00005).ToList()], 10, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "ConstantMomentum", ("factor", 0.5), ("end", 5L))], [Repeat(0.025, 4).Concat(Repeat(0.05, 6)).ToList()], 10, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "LinearMomentum", ("start_factor", 0.5), ("end", 5L))],
            [new[] { 0.025, 0.03125, 0.0375, 0.04375 }.Concat(Repeat(0.05, 6)).ToList()], 10, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "ExponentialMomentum", ("gamma", 0.9))], [Enumerable.Range(0, 10).Select(x => 0.05 * Math.Pow(0.9, x)).ToList()], 10, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "CosineAnnealingMomentum", ("T_max", 10L), ("eta_min", 1e-10))],
            [Enumerable.Range(0, 12).Select(x => 1e-10 + (0.05 - 1e-10) * (1 + Math.Cos(Math.PI * x / 10)) / 2).ToList()], 12, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "PolyMomentum", ("power", 0.9), ("eta_min", 0.001), ("end", 5L))],
            [Enumerable.Range(0, 4).Select(i => 0.001 + (0.05 - 0.001) * Math.Pow(1 - i / 4.0, 0.9)).Concat(Repeat(0.001, 6)).ToList()], 10, "momentum");
        opt = MomentumSgd();
        Expect(opt, [Build(opt, "CosineRestartMomentum", ("periods", L(4, 5)), ("restart_weights", new List<object?> { 1L, 0.5 }), ("eta_min", 0L))],
            [[0.05, 0.0426776, 0.025, 0.00732233, 0.025, 0.022612712, 0.01636271, 0.0086372, 0.0023872, 0.0023872]], 10, "momentum");
        opt = MomentumSgd();
        var s1 = Build(opt, "LinearMomentum", ("start_factor", 0.5), ("begin", 0L), ("end", 5L));
        var s2 = Build(opt, "MultiStepMomentum", ("gamma", 0.1), ("milestones", L(3, 6, 9)));
        Expect(opt, [s1, s2], [new[] { 0.025, 0.03125, 0.0375, 0.004375 }.Concat(Repeat(0.005, 2)).Concat(Repeat(0.0005, 3)).Append(0.00005).ToList()], 10, "momentum");
    }

    [Fact]
    public void Momentum_OnAdam_SchedulesBetas0()
    {
        var adam = torch.optim.Adam(_model.parameters(), 0.01, beta1: 0.05, beta2: 0.999);
        var s = Build(adam, "StepMomentum", ("gamma", 0.1), ("step_size", 3L));
        Assert.True(s.UseBetas);
        var options = (Adam.Options)adam.ParamGroups.OfType<ParamGroup>().First().Options;
        double[] targets = [0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005];
        foreach (var target in targets)
        {
            Assert.Equal(target, options.beta1!.Value, 1e-5);
            Assert.Equal(0.999, options.beta2!.Value);
            s.Step();
        }
        var wrapper = new OptimWrapper(adam);
        Assert.Equal(0.00005, wrapper.GetMomentum()["momentum"][0], 1e-9);
    }

    [Fact]
    public void Momentum_WithoutMomentumInOptimizer_IsAnError()
    {
        var adagrad = torch.optim.Adagrad(_model.parameters(), 0.01);
        var e = Assert.Throws<KilnException>(() => Build(adagrad, "StepMomentum", ("step_size", 3L)));
        Assert.Contains("optimizer must support momentum", e.Message);
    }

    [Fact]
    public void Momentum_Resume_NeedsInitialMomentum()
    {
        var e = Assert.Throws<KilnException>(() => Build(MomentumSgd(), "StepMomentum", ("gamma", 0.1), ("step_size", 3L), ("last_step", 10L)));
        Assert.Contains("param 'initial_momentum' is not specified", e.Message);
    }

    // ---- test_param_scheduler.py (SCHED-09) ----

    [Fact]
    public void ParamScheduler_SchedulesAnyGroupKey_AndThroughAnOptimWrapper()
    {
        var opt = TwoGroupSgd();
        var s = Build(new OptimWrapper(opt), "StepParamScheduler", ("param_name", "weight_decay"), ("gamma", 0.1), ("step_size", 3L));
        var groups = ParamGroupValues.Of(opt);
        double[] targets = [5e-4, 5e-4, 5e-4, 5e-5, 5e-5, 5e-5, 5e-6, 5e-6, 5e-6, 5e-7];
        foreach (var target in targets)
        {
            Assert.Equal(target, groups[0]["weight_decay"], 1e-12);
            Assert.Equal(target, groups[1]["weight_decay"], 1e-12);
            s.Step();
        }
        opt = TwoGroupSgd();
        var lr = Build(new OptimWrapper(opt), "MultiStepParamScheduler", ("param_name", "lr"), ("gamma", 0.1), ("milestones", L(2, 5, 9)));
        Expect(opt, [lr], Both(Repeat(0.05, 2).Concat(Repeat(0.005, 3)).Concat(Repeat(0.0005, 4)).Append(0.00005)), 10);
    }

    [Fact]
    public void ParamScheduler_UnknownParamName_IsAnErrorNamingTheGroupKeys()
    {
        var e = Assert.Throws<KilnException>(() => Build(TwoGroupSgd(), "StepParamScheduler", ("param_name", "invalid_param"), ("step_size", 3L)));
        Assert.Contains("invalid_param", e.Message);
        Assert.Contains("weight_decay", e.Message);
        var e2 = Assert.Throws<KilnException>(() => Build(TwoGroupSgd(), "StepLR", ("step_size", 3L), ("gama", 0.1)));
        Assert.Contains("'gama'", e2.Message);
        var e3 = Assert.Throws<KilnException>(() => Build("not an optimizer", "StepLR", ("step_size", 3L)));
        Assert.Contains("should be an Optimizer or an OptimWrapper", e3.Message);
    }

    [Fact]
    public void Registry_HoldsEveryFamilyUnderMMEngineNames()
    {
        string[] families = ["Constant", "Linear", "Step", "MultiStep", "Exponential", "CosineAnnealing", "Poly", "OneCycle", "CosineRestart", "ReduceOnPlateau"];
        foreach (var f in families)
        {
            Assert.Contains(f + "LR", SchedulerFactories.Names);
            Assert.Contains(f + "ParamScheduler", SchedulerFactories.Names);
            if (f != "OneCycle") Assert.Contains(f + "Momentum", SchedulerFactories.Names);
        }
        Assert.Equal(29, SchedulerFactories.Names.Count);
    }

    [Fact]
    public void InitialLr_IsSavedInTheOptimizerStateDict()
    {
        var opt = TwoGroupSgd();
        Build(opt, "ExponentialLR", ("gamma", 0.5)).Step();
        var state = OptimizerStateConverter.ToStateDict(opt);
        var group = (PyDict)((List<object?>)state["param_groups"]!)[0]!;
        Assert.Equal(0.05, (double)group["initial_lr"]!);
        Assert.Equal(0.025, (double)group["lr"]!, 1e-12);
    }
}
