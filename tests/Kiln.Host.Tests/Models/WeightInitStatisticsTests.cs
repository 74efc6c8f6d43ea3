using Kiln.Config;
using Kiln.Models.WeightInit;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Host.Tests.Models;

/// <summary>
/// MOD-13: each initializer's weights against its formula, on layers large enough (≥ 10⁵ weights) that the sample
/// variance is within a few percent of the formula's; fixed seeds.
/// </summary>
public sealed class WeightInitStatisticsTests
{
    private static ConfigDict Cfg(params (string Key, object? Value)[] items) => new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    private static (double Mean, double Var, double MaxAbs, double Min, double Max) Stats(Tensor w)
    {
        using var d = w.detach().to(float64);
        return (d.mean().item<double>(), d.var(unbiased: false).item<double>(), d.abs().max().item<double>(), d.min().item<double>(), d.max().item<double>());
    }

    private static void Init(nn.Module m, ConfigDict cfg) => WeightInitializers.Initialize(m, [cfg]);

    [Fact]
    public void Xavier_Uniform_BoundAndVarianceMatchGlorot()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var linear = nn.Linear(512, 1024);
        Init(linear, Cfg(("type", "Xavier"), ("gain", 2L), ("distribution", "uniform"), ("layer", "Linear")));
        double bound = 2 * Math.Sqrt(6.0 / (512 + 1024));
        var s = Stats(linear.weight!);
        Assert.True(s.MaxAbs <= bound, $"max |w| {s.MaxAbs} > bound {bound}");
        Assert.True(s.MaxAbs > 0.99 * bound);
        Assert.Equal(bound * bound / 3, s.Var, bound * bound / 3 * 0.02);
        Assert.Equal(0.0, Stats(linear.bias!).MaxAbs);
    }

    [Fact]
    public void Xavier_Normal_StdIsGainTimesSqrtTwoOverFanSum()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var conv = nn.Conv2d(64, 128, 3);   // fan_in 576, fan_out 1152
        Init(conv, Cfg(("type", "Xavier"), ("layer", "Conv2d"), ("bias", 0.5)));
        double std = Math.Sqrt(2.0 / (576 + 1152));
        var s = Stats(conv.weight!);
        Assert.Equal(std * std, s.Var, std * std * 0.03);
        Assert.Equal(0.5, Stats(conv.bias!).Min, 6);
    }

    [Theory]
    [InlineData("fan_out", "relu", 0.0, "normal")]
    [InlineData("fan_in", "relu", 0.0, "normal")]
    [InlineData("fan_in", "leaky_relu", 0.1, "uniform")]
    public void Kaiming_StdIsGainOverSqrtFan(string mode, string nonlinearity, double a, string distribution)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var conv = nn.Conv2d(64, 128, 3);
        Init(conv, Cfg(("type", "Kaiming"), ("layer", "Conv2d"), ("mode", mode), ("nonlinearity", nonlinearity), ("a", a), ("distribution", distribution)));
        double gain = nonlinearity == "relu" ? Math.Sqrt(2) : Math.Sqrt(2 / (1 + a * a));
        double std = gain / Math.Sqrt(mode == "fan_in" ? 64 * 9 : 128 * 9);
        var s = Stats(conv.weight!);
        Assert.Equal(std * std, s.Var, std * std * 0.03);
        if (distribution == "uniform") Assert.True(s.MaxAbs <= Math.Sqrt(3) * std);
    }

    [Fact]
    public void Caffe2Xavier_IsKaimingUniformWithBoundSqrtThreeOverFanIn()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var linear = nn.Linear(400, 300);
        Init(linear, Cfg(("type", "Caffe2Xavier"), ("layer", "Linear")));
        double bound = Math.Sqrt(3.0 / 400);  // gain sqrt(2/(1+1)) = 1
        var s = Stats(linear.weight!);
        Assert.True(s.MaxAbs <= bound);
        Assert.Equal(bound * bound / 3, s.Var, bound * bound / 3 * 0.03);
    }

    [Fact]
    public void TruncNormal_StaysWithinAAndB()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var linear = nn.Linear(500, 400);
        Init(linear, Cfg(("type", "TruncNormal"), ("layer", "Linear"), ("mean", 0.1), ("std", 1L), ("a", -0.5), ("b", 0.5)));
        var s = Stats(linear.weight!);
        Assert.True(s.Min >= -0.5 && s.Max <= 0.5, $"[{s.Min}, {s.Max}] outside [-0.5, 0.5]");
        // std 1 ≫ the window: the truncated density is nearly flat, so the values fill the window.
        Assert.True(s.Min < -0.49 && s.Max > 0.49);
    }

    [Fact]
    public void TruncNormal_WideWindow_MatchesMeanAndStd()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var linear = nn.Linear(500, 400);
        Init(linear, Cfg(("type", "TruncNormal"), ("layer", "Linear"), ("std", 0.02)));   // a=-2, b=2 as MMEngine: 100 std away
        var s = Stats(linear.weight!);
        Assert.Equal(0.0, s.Mean, 3);
        Assert.Equal(0.02 * 0.02, s.Var, 0.02 * 0.02 * 0.03);
    }

    [Fact]
    public void Normal_And_Uniform_MatchTheirParameters()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var normal = nn.Linear(500, 400);
        Init(normal, Cfg(("type", "Normal"), ("layer", "Linear"), ("mean", 1L), ("std", 0.5)));
        var n = Stats(normal.weight!);
        Assert.Equal(1.0, n.Mean, 2);
        Assert.Equal(0.25, n.Var, 0.25 * 0.03);

        var uniform = nn.Linear(500, 400);
        Init(uniform, Cfg(("type", "Uniform"), ("layer", "Linear"), ("a", -3L), ("b", 1L)));
        var u = Stats(uniform.weight!);
        Assert.True(u.Min >= -3 && u.Max <= 1);
        Assert.Equal(-1.0, u.Mean, 1);
        Assert.Equal(16.0 / 12, u.Var, 16.0 / 12 * 0.03);
    }

    [Fact]
    public void Constant_WithBiasProb_FillsBiasWithInverseSigmoid()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(3, 2);
        Init(linear, Cfg(("type", "Constant"), ("layer", "Linear"), ("val", 1L), ("bias_prob", 0.01)));
        Assert.Equal(1.0, Stats(linear.weight!).Min);
        Assert.Equal(-Math.Log(0.99 / 0.01), Stats(linear.bias!).Max, 5);
        Assert.Equal(-4.59511985013459, InitFunctions.BiasInitWithProb(0.01), 12);
    }

    [Fact]
    public void CalculateGain_MatchesPyTorch()
    {
        Assert.Equal(1.0, InitFunctions.CalculateGain("conv2d"));
        Assert.Equal(5.0 / 3, InitFunctions.CalculateGain("tanh"));
        Assert.Equal(Math.Sqrt(2), InitFunctions.CalculateGain("relu"));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), InitFunctions.CalculateGain("leaky_relu"));
        Assert.Equal(0.75, InitFunctions.CalculateGain("selu"));
        var e = Assert.Throws<KilnException>(() => InitFunctions.CalculateGain("gelu"));
        Assert.Contains("'gelu'", e.Message);
    }
}
