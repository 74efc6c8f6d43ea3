using Kiln.Config;
using Kiln.Hosting;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Tests.Optim;

/// <summary>OPT-10: every TorchSharp optimizer in the OPTIMIZERS registry under its PyTorch name, with PyTorch's defaults.</summary>
public sealed class OptimizerFactoriesTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddKiln(o => o.LoadPluginFolders = false).BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private optim.Optimizer Build(string type, params (string Key, object? Value)[] args)
    {
        var cfg = new ConfigDict { ["type"] = type, ["params"] = nn.Linear(2, 1).parameters().ToList() };
        foreach (var (k, v) in args) cfg[k] = v;
        return _services.GetRequiredService<IComponentBuilder>().Build<optim.Optimizer>(Registries.Optimizers, cfg, keyPath: "optim_wrapper.optimizer");
    }

    // torch 2.x signatures: the type each name builds and its default lr.
    [Theory]
    [InlineData("SGD", typeof(SGD), 1e-3)]
    [InlineData("Adam", typeof(Adam), 1e-3)]
    [InlineData("AdamW", typeof(AdamW), 1e-3)]
    [InlineData("Adamax", typeof(Adamax), 2e-3)]
    [InlineData("Adagrad", typeof(Adagrad), 1e-2)]
    [InlineData("Adadelta", typeof(Adadelta), 1.0)]
    [InlineData("RMSprop", typeof(RMSProp), 1e-2)]
    [InlineData("NAdam", typeof(NAdam), 2e-3)]
    [InlineData("RAdam", typeof(RAdam), 1e-3)]
    [InlineData("ASGD", typeof(ASGD), 1e-2)]
    [InlineData("Rprop", typeof(Rprop), 1e-2)]
    public void Build_EveryPyTorchName_HasPyTorchDefaultLr(string name, Type type, double lr)
    {
        using var scope = NewDisposeScope();
        var optimizer = Build(name);
        Assert.IsType(type, optimizer);
        Assert.Equal(lr, optimizer.ParamGroups.Single().LearningRate);
    }

    [Fact]
    public void Build_PyTorchDefaults_MatchTorchSignatures()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(1e-2, ((AdamW.Options)Build("AdamW").ParamGroups.Cast<ParamGroup>().Single().Options).weight_decay);
        var rms = (RMSProp.Options)Build("RMSprop").ParamGroups.Cast<ParamGroup>().Single().Options;
        Assert.Equal((0.99, 1e-8, 0.0, false), (rms.alpha!.Value, rms.eps!.Value, rms.momentum!.Value, rms.centered!.Value));
        var rprop = (Rprop.Options)Build("Rprop", ("etas", new List<object?> { 0.4, 1.3 }), ("step_sizes", new List<object?> { 1e-5, 10L })).ParamGroups.Cast<ParamGroup>().Single().Options;
        Assert.Equal((0.4, 1.3, 1e-5, 10.0), (rprop.etaminus!.Value, rprop.etaplus!.Value, rprop.min_step!.Value, rprop.max_step!.Value));
        var asgd = (ASGD.Options)Build("ASGD").ParamGroups.Cast<ParamGroup>().Single().Options;
        Assert.Equal((1e-4, 0.75, 1e6), (asgd.lambd!.Value, asgd.alpha!.Value, asgd.t0!.Value));
    }

    [Fact]
    public void Build_UnknownKey_NamesItAndTheValidOnes()
    {
        var e = Assert.Throws<KilnException>(() => Build("RMSprop", ("betas", new List<object?> { 0.9, 0.99 })));
        Assert.Contains("does not take 'betas'", e.Message);
        Assert.Contains("alpha", e.Message);
    }

    // Switches TorchSharp's implementation cannot honour are errors; those that only pick an implementation are accepted.
    [Fact]
    public void Build_PyTorchOnlySwitches_AcceptDefaultsRejectOthers()
    {
        using var scope = NewDisposeScope();
        Assert.IsType<Adamax>(Build("Adamax", ("maximize", false), ("foreach", true)));
        var e = Assert.Throws<KilnException>(() => Build("Adamax", ("maximize", true)));
        Assert.Contains("optim_wrapper.optimizer (Adamax).maximize = True is not available", e.Message);
        e = Assert.Throws<KilnException>(() => Build("NAdam", ("decoupled_weight_decay", true)));
        Assert.Contains("decoupled_weight_decay", e.Message);
    }

    private static float[] Steps(optim.Optimizer optimizer, Parameter p, float[] gradSign, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            using var scope = NewDisposeScope();
            (p * tensor(gradSign)).sum().backward();
            optimizer.step();
        }

        return p.data<float>().ToArray();
    }

    // torch/optim/rprop.py by hand, lr 0.1, gradient (1, -1) each step: step sizes 0.1, 0.12, 0.144.
    [Fact]
    public void Rprop_ThreeSteps_MatchPyTorchMaths()
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(tensor(new float[] { 1, 2 }));
        var values = Steps(Build2("Rprop", p, ("lr", 0.1)), p, [1, -1], 3);
        Assert.Equal(0.636, values[0], 5);
        Assert.Equal(2.364, values[1], 5);
    }

    // torch/optim/adagrad.py by hand, lr 0.1, gradient 1: 1 - 0.1/sqrt(1) - 0.1/sqrt(2).
    [Fact]
    public void Adagrad_TwoSteps_MatchPyTorchMaths()
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(tensor(new float[] { 1 }));
        var values = Steps(Build2("Adagrad", p, ("lr", 0.1)), p, [1], 2);
        Assert.Equal(1 - 0.1 - 0.1 / Math.Sqrt(2), values[0], 5);
    }

    private optim.Optimizer Build2(string type, Parameter p, params (string Key, object? Value)[] args)
    {
        var cfg = new ConfigDict { ["type"] = type, ["params"] = new List<Parameter> { p } };
        foreach (var (k, v) in args) cfg[k] = v;
        return _services.GetRequiredService<IComponentBuilder>().Build<optim.Optimizer>(Registries.Optimizers, cfg);
    }
}
