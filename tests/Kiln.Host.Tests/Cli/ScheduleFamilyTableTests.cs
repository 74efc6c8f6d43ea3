using System.Globalization;
using System.Text;
using Kiln.Cli;
using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Cli;

/// <summary>
/// Issue 6, "show it" 2: for each scheduler family, what <c>kiln schedule</c> computes for a config against the
/// values MMEngine gives for the same config, and the largest absolute difference. MMEngine's values are the
/// expectations of its own tests (tests/test_optim/test_scheduler/test_lr_scheduler.py, test_momentum_scheduler.py,
/// test_param_scheduler.py), either literal lists or the closed forms those tests compute; they were not produced
/// by running MMEngine here. The table in docs/schedulers.md must equal the one this test computes.
/// </summary>
public sealed class ScheduleFamilyTableTests(ToyRunner host) : IClassFixture<ToyRunner>
{
    private sealed record Row(string Family, string Scheduler, int ItersPerEpoch, int Epochs, string Source, Func<int, double> MMEngine, string Key = "lr", string Optimizer = "dict(type='SGD', lr=0.05, momentum=0.05, weight_decay=5e-4)");

    private static double CosineClosed(double baseValue, double etaMin, int tMax, int x) => etaMin + (baseValue - etaMin) * (1 + Math.Cos(Math.PI * x / tMax)) / 2;

    private static double[] Lit(params double[] v) => v;

    private static readonly Row[] Rows =
    [
        new("Constant", "dict(type='ConstantLR', factor=0.5, end=5)", 1, 10, "test_constant_scheduler", x => x < 4 ? 0.025 : 0.05),
        new("Linear", "dict(type='LinearLR', start_factor=0.5, end=5)", 1, 10, "test_linear_scheduler", x => x < 4 ? 0.05 * (0.5 + x * 0.5 / 4) : 0.05),
        new("Step", "dict(type='StepLR', step_size=3, gamma=0.1)", 1, 10, "test_step_scheduler", x => 0.05 * Math.Pow(0.1, x / 3)),
        new("MultiStep", "dict(type='MultiStepLR', milestones=[2, 5, 9], gamma=0.1)", 1, 10, "test_multi_step_scheduler",
            x => Lit(0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.0005, 0.00005)[x]),
        new("Exponential", "dict(type='ExponentialLR', gamma=0.9)", 1, 10, "test_exp_scheduler", x => 0.05 * Math.Pow(0.9, x)),
        new("CosineAnnealing", "dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-10)", 1, 12, "test_cos_anneal_scheduler", x => CosineClosed(0.05, 1e-10, 10, x)),
        new("Poly", "dict(type='PolyLR', power=0.9, eta_min=0.001, end=5)", 1, 10, "test_poly_scheduler",
            x => x < 4 ? 0.001 + (0.05 - 0.001) * Math.Pow(1 - x / 4.0, 0.9) : 0.001),
        new("OneCycle", "dict(type='OneCycleLR', eta_max=25, final_div_factor=2, total_steps=10, anneal_strategy='linear')", 1, 10, "test_onecycle_lr",
            x => Lit(1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5)[x]),
        new("CosineRestart", "dict(type='CosineRestartLR', periods=[4, 5], restart_weights=[1, 0.5], eta_min=0)", 1, 10, "test_cosine_restart_scheduler",
            x => Lit(0.05, 0.0426776, 0.025, 0.00732233, 0.025, 0.022612712, 0.01636271, 0.0086372, 0.0023872, 0.0023872)[x]),
        new("ReduceOnPlateau", "dict(type='ReduceOnPlateauLR', monitor='loss', patience=2)", 1, 10, "no validation runs, so no reduction: lr stays 0.05",
            _ => 0.05),
        new("Step, iteration-based", "dict(type='StepLR', step_size=2, gamma=0.1, convert_to_iter_based=True)", 7, 4, "test_step_scheduler_convert_iterbased",
            x => x < 14 ? 0.05 : 0.005),
        new("Chained Linear + MultiStep", "[dict(type='LinearLR', start_factor=0.5, begin=0, end=5), dict(type='MultiStepLR', milestones=[3, 6], begin=5, end=12)]", 1, 12,
            "test_multi_scheduler_without_overlap_linear_multi_step", x => Lit(0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005)[x]),
        new("Momentum (CosineAnnealing)", "dict(type='CosineAnnealingMomentum', T_max=10, eta_min=1e-10)", 1, 12, "test_momentum_scheduler: test_cos_anneal_scheduler",
            x => CosineClosed(0.05, 1e-10, 10, x), "momentum"),
        new("Momentum, Adam betas[0] (Linear)", "dict(type='LinearMomentum', start_factor=0.5, end=5)", 1, 10, "test_linear_scheduler's targets on betas[0]",
            x => x < 4 ? 0.05 * (0.5 + x * 0.5 / 4) : 0.05, "momentum", "dict(type='Adam', lr=0.05, betas=(0.05, 0.999))"),
        new("Param (weight_decay, Poly)", "dict(type='PolyParamScheduler', param_name='weight_decay', power=0.9, eta_min=1e-5, end=5)", 1, 10, "test_poly_scheduler's closed form, on weight_decay",
            x => x < 4 ? 1e-5 + (5e-4 - 1e-5) * Math.Pow(1 - x / 4.0, 0.9) : 1e-5, "weight_decay"),
    ];

    /// <summary>
    /// The smallest power of ten above <paramref name="diff"/>, and one bucket for everything below 1e-15 (exact
    /// zeros included), so the table does not depend on the last bit of the platform's libm.
    /// </summary>
    private static string Bound(double diff)
    {
        if (diff < 1e-15) return "< 1e-15";
        int exponent = (int)Math.Floor(Math.Log10(diff)) + 1;
        return $"< 1e{exponent}";
    }

    private string ComputeTable()
    {
        var sb = new StringBuilder();
        sb.Append("| family | `param_scheduler` | iterations | MMEngine's values from | max abs diff |\n");
        sb.Append("|---|---|---|---|---|\n");
        foreach (var row in Rows)
        {
            var cfg = Kiln.Config.Config.FromString($"""
                optim_wrapper = dict(optimizer={row.Optimizer})
                train_cfg = dict(by_epoch=True, max_epochs={row.Epochs})
                param_scheduler = {row.Scheduler}
                """, ".py").Dict;
            var trace = ScheduleCommand.Simulate(host.Services, cfg, row.ItersPerEpoch, out _);
            var values = row.Key switch { "lr" => trace.Lr, "momentum" => trace.Momentum!, _ => trace.WeightDecay! };
            Assert.Equal(row.Epochs * row.ItersPerEpoch, values.Count);
            double max = values.Select((v, i) => Math.Abs(v - row.MMEngine(i))).Max();
            Assert.True(max < 1e-6, $"{row.Family}: max abs diff {max}");
            string iterations = row.ItersPerEpoch == 1 ? $"{row.Epochs} epochs" : $"{row.Epochs} epochs × {row.ItersPerEpoch}";
            sb.Append(CultureInfo.InvariantCulture, $"| {row.Family} ({row.Key}) | `{row.Scheduler}` | {iterations} | {row.Source} | {Bound(max)} |\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void EveryFamily_MatchesMMEngine_AndTheDocTableIsTheComputedOne()
    {
        string table = ComputeTable();
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "schedulers.md")).Replace("\r\n", "\n");
        Assert.True(doc.Contains(table, StringComparison.Ordinal), "docs/schedulers.md should contain this table:\n" + table);
    }
}
