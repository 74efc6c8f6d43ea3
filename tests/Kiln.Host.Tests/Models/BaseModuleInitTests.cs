using Kiln.Checkpoints;
using Kiln.Config;
using Kiln.Models;
using Kiln.Models.WeightInit;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Host.Tests.Models;

/// <summary>MOD-12/13: <c>init_cfg</c> selection by <c>layer</c>, <c>override</c>, recursion, init-info log and Pretrained, after MMEngine's test_weight_init.py and test_base_module.py.</summary>
public sealed class BaseModuleInitTests
{
    private static ConfigDict Cfg(params (string Key, object? Value)[] items) => new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    private static double Value(Tensor? t, bool max = false) => max ? t!.max().item<float>() : t!.min().item<float>();

    /// <summary>MMEngine's FooNet (weight_init.py docstring).</summary>
    private sealed class FooNet : BaseModule
    {
        public readonly Conv2d feat = nn.Conv2d(3, 16, 3);
        public readonly Conv2d reg = nn.Conv2d(16, 10, 3);
        public readonly Conv2d cls = nn.Conv2d(16, 5, 3);

        public FooNet(object? initCfg) : base(nameof(FooNet), initCfg) => RegisterComponents();
    }

    private sealed class Child : BaseModule<Tensor, Tensor>
    {
        public readonly Linear fc = nn.Linear(4, 4);

        public Child(object? initCfg) : base(nameof(Child), initCfg) => RegisterComponents();

        public override Tensor forward(Tensor x) => fc.forward(x);
    }

    private sealed class Parent : BaseModule
    {
        public readonly Linear fc = nn.Linear(4, 4);
        public readonly Child child;

        public Parent(object? initCfg, object? childCfg) : base(nameof(Parent), initCfg)
        {
            child = new Child(childCfg);
            RegisterComponents();
        }
    }

    [Fact]
    public void Override_InitialisesTheNamedChildWithItsOwnArguments()
    {
        using var scope = NewDisposeScope();
        var net = new FooNet(Cfg(("type", "Constant"), ("val", 1L), ("bias", 2L), ("layer", "Conv2d"),
            ("override", Cfg(("type", "Constant"), ("name", "reg"), ("val", 3L), ("bias", 4L)))));
        net.InitWeights();
        Assert.Equal(1, Value(net.feat.weight)); Assert.Equal(2, Value(net.feat.bias));
        Assert.Equal(3, Value(net.reg.weight)); Assert.Equal(4, Value(net.reg.bias));
        Assert.Equal(1, Value(net.cls.weight)); Assert.Equal(2, Value(net.cls.bias));
    }

    [Fact]
    public void Override_WithOnlyName_UsesTheInitCfgArguments()
    {
        using var scope = NewDisposeScope();
        var net = new FooNet(Cfg(("type", "Constant"), ("val", 5L), ("bias", 6L), ("layer", "Linear"),
            ("override", new List<object?> { Cfg(("name", "cls")) })));
        net.InitWeights();
        Assert.Equal(5, Value(net.cls.weight)); Assert.Equal(6, Value(net.cls.bias));
        Assert.NotEqual(5, Value(net.feat.weight, max: true));   // layer 'Linear' selects no convolution
    }

    [Fact]
    public void Layer_MatchesDirectBaseClassByPyTorchName()
    {
        using var scope = NewDisposeScope();
        var seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(2, 2), nn.BatchNorm2d(2));
        WeightInitializers.Initialize(seq, [Cfg(("type", "Constant"), ("val", 7L), ("layer", new List<object?> { "_ConvNd", "_BatchNorm" }))]);
        var modules = seq.children().ToArray();
        Assert.Equal(7, Value(((Conv2d)modules[0]).weight));
        Assert.NotEqual(7, Value(((Linear)modules[1]).weight, max: true));
        Assert.Equal(7, Value(((BatchNorm2d)modules[2]).weight));
        Assert.Contains("_ConvNd", BaseInit.LayerNames(modules[0]));
    }

    [Fact]
    public void InitWeights_ChildConfigWinsAndInitInfoNamesTheLastInitializer()
    {
        using var scope = NewDisposeScope();
        var logger = new ListLogger();
        var net = new Parent(Cfg(("type", "Constant"), ("val", 1L), ("layer", "Linear")), Cfg(("type", "Constant"), ("val", 2L), ("bias", 3L), ("layer", "Linear")));
        using (BaseModule.UseInitLogger(logger)) net.InitWeights();

        Assert.Equal(1, Value(net.fc.weight));
        Assert.Equal(2, Value(net.child.fc.weight));
        Assert.True(net.IsInit && net.child.IsInit);
        var info = logger.Entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Message).ToList();
        Assert.Equal(["\nfc.weight - torch.Size([4, 4]): \nConstantInit: val=1, bias=0 \n ",
                      "\nfc.bias - torch.Size([4]): \nConstantInit: val=1, bias=0 \n ",
                      "\nchild.fc.weight - torch.Size([4, 4]): \nConstantInit: val=2, bias=3 \n ",
                      "\nchild.fc.bias - torch.Size([4]): \nConstantInit: val=2, bias=3 \n "], info);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Debug && e.Message == "initialize Parent with init_cfg {'type': 'Constant', 'val': 1, 'layer': 'Linear'}");

        using (BaseModule.UseInitLogger(logger)) net.InitWeights();
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message == "init_weights of Parent has been called more than once.");
    }

    [Fact]
    public void InitWeights_UnchangedParameterSaysSo()
    {
        using var scope = NewDisposeScope();
        var logger = new ListLogger();
        var net = new Parent(null, null);
        using (BaseModule.UseInitLogger(logger)) net.InitWeights();
        Assert.Contains("\nfc.weight - torch.Size([4, 4]): \nThe value is the same before and after calling `init_weights` of Parent  \n ",
            logger.Entries.Select(e => e.Message));
    }

    [Fact]
    public void Pretrained_WithPrefix_LoadsOnlyThatPartAndWinsOverOtherConfigs()
    {
        using var scope = NewDisposeScope();
        using var dir = new Kiln.TestKit.TempDir();
        string path = Path.Combine(dir.Path, "pretrained.pth");
        var state = new PyOrderedDict
        {
            ["backbone.fc.weight"] = full(4, 4, 9f),
            ["backbone.fc.bias"] = full(4, 8f),
            ["head.fc.weight"] = full(4, 4, -1f),
        };
        CheckpointFile.Save(path, new PyDict { ["state_dict"] = state });

        var net = new Parent(new List<object?> { Cfg(("type", "Pretrained"), ("checkpoint", path), ("prefix", "backbone.")), Cfg(("type", "Constant"), ("val", 1L), ("layer", "Linear")) }, null);
        net.InitWeights();
        Assert.Equal(9, Value(net.fc.weight));
        Assert.Equal(8, Value(net.fc.bias));
    }

    [Fact]
    public void Pretrained_MissingPrefix_NamesThePrefixAndFile()
    {
        using var scope = NewDisposeScope();
        using var dir = new Kiln.TestKit.TempDir();
        string path = Path.Combine(dir.Path, "p.pth");
        CheckpointFile.Save(path, new PyOrderedDict { ["fc.weight"] = zeros(4, 4) });
        var net = new Parent(Cfg(("type", "Pretrained"), ("checkpoint", path), ("prefix", "backbone.")), null);
        var e = Assert.Throws<KilnException>(net.InitWeights);
        Assert.Contains("backbone. is not in the pretrained model", e.Message);
        Assert.Contains("fc.", e.Message);
    }

    [Theory]
    [InlineData("Gaussian", null, "'Gaussian' is not in the weight initializer registry; valid types: Constant, Xavier")]
    [InlineData("Normal", "sigma", "Normal has no argument 'sigma'; valid: mean, std, bias, bias_prob, layer")]
    public void Build_BadConfig_NamesTheKeyAndWhatIsValid(string type, string? extraKey, string expected)
    {
        var cfg = Cfg(("type", type));
        if (extraKey is not null) cfg[extraKey] = 1L;
        var e = Assert.Throws<KilnException>(() => WeightInitializers.Build(cfg));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Override_WithoutName_IsAnError()
    {
        using var scope = NewDisposeScope();
        var net = new FooNet(Cfg(("type", "Constant"), ("val", 1L), ("override", Cfg(("type", "Constant"), ("val", 3L)))));
        var e = Assert.Throws<KilnException>(net.InitWeights);
        Assert.Contains("`override` must contain the key \"name\"", e.Message);
    }

    [Fact]
    public void Xavier_BadDistribution_IsAnError()
    {
        var e = Assert.Throws<KilnException>(() => WeightInitializers.Build(Cfg(("type", "Xavier"), ("distribution", "gamma"))));
        Assert.Contains("distribution must be 'normal' or 'uniform', got 'gamma'", e.Message);
    }
}
