using Kiln.Config;
using Kiln.Hosting;
using Kiln.Optim;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Tests.Optim;

/// <summary>
/// OPT-11..15: MMEngine's tests/test_optim/test_optimizer/test_optimizer.py (TestBuilder) on an equivalent TorchSharp
/// <c>ExampleModel</c>: base lr 0.01, momentum 1e-4, weight decay 0.9, one parameter group per parameter.
/// </summary>
public sealed class DefaultOptimWrapperConstructorTests : IDisposable
{
    private const double BaseLr = 0.01, Momentum = 0.0001, BaseWd = 0.9;

    private static readonly string[] ParamNames =
    [
        "param1", "conv1.weight", "conv2.weight", "conv2.bias", "bn.weight", "bn.bias", "sub.param1", "sub.conv1.weight",
        "sub.conv1.bias", "sub.gn.weight", "sub.gn.bias",
    ];

    private readonly ServiceProvider _services;
    private readonly CollectingLoggerProvider _logs = new();

    public DefaultOptimWrapperConstructorTests()
    {
        _services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(_logs))
            .AddKiln(o => o.LoadPluginFolders = false)
            .BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    private IComponentBuilder Builder => _services.GetRequiredService<IComponentBuilder>();

    /// <summary>test_optimizer.py SubModel: a depth-wise conv, a GroupNorm and a 1-D parameter.</summary>
    private sealed class SubModel : nn.Module
    {
        public SubModel() : base(nameof(SubModel))
        {
            register_parameter("param1", new Parameter(ones(1)));
            register_module("conv1", nn.Conv2d(2, 2, kernel_size: 1, groups: 2));
            register_module("gn", nn.GroupNorm(2, 2));
        }
    }

    /// <summary>test_optimizer.py ExampleModel (without mmcv's deformable convolution).</summary>
    private sealed class ExampleModel : nn.Module
    {
        public ExampleModel(bool duplicate = false) : base(nameof(ExampleModel))
        {
            register_parameter("param1", new Parameter(ones(1)));
            var conv1 = nn.Conv2d(3, 4, kernel_size: 1, bias: false);
            register_module("conv1", duplicate ? nn.Sequential(conv1) : conv1);
            register_module("conv2", nn.Conv2d(4, 2, kernel_size: 1));
            register_module("bn", nn.BatchNorm2d(2));
            register_module("sub", new SubModel());

            // ExampleDuplicateModel: conv3[0] is conv1[0].
            if (duplicate) register_module("conv3", nn.Sequential(conv1));
        }
    }

    private static ConfigDict SgdWrapperCfg(bool weightDecay = true)
    {
        var optimizer = new ConfigDict { ["type"] = "SGD", ["lr"] = BaseLr, ["momentum"] = Momentum };
        if (weightDecay) optimizer["weight_decay"] = BaseWd;
        return new ConfigDict { ["type"] = "OptimWrapper", ["optimizer"] = optimizer };
    }

    private static ConfigDict MmengineParamwise() => new()
    {
        ["bias_lr_mult"] = 2L, ["bias_decay_mult"] = 0.5, ["norm_decay_mult"] = 0L, ["dwconv_decay_mult"] = 0.1,
        ["dcn_offset_lr_mult"] = 0.1, ["flat_decay_mult"] = 0.3,
    };

    private OptimWrapper Build(nn.Module model, ConfigDict wrapperCfg, ConfigDict? paramwise, string type = "DefaultOptimWrapperConstructor")
    {
        var constructor = Builder.Build<DefaultOptimWrapperConstructor>(Registries.OptimWrapperConstructors,
            new ConfigDict { ["type"] = type, ["optim_wrapper_cfg"] = wrapperCfg, ["paramwise_cfg"] = paramwise });
        return (OptimWrapper)constructor.Build(model);
    }

    private static List<(double Lr, double Wd, double Momentum)> Groups(OptimWrapper wrapper) =>
        wrapper.ParamGroups().Select(g => (g.LearningRate, ((SGD.Options)g.Options).weight_decay!.Value, ((SGD.Options)g.Options).momentum!.Value)).ToList();

    // test_optimizer.py _check_default_optimizer: one group holding every parameter in named_parameters order.
    [Fact]
    public void Build_NoParamwise_OneGroupOfAllParameters()
    {
        using var scope = NewDisposeScope();
        var model = new ExampleModel();
        var wrapper = Build(model, SgdWrapperCfg(), null);

        var group = Assert.Single(wrapper.ParamGroups());
        Assert.Equal(ParamNames, model.named_parameters().Select(p => p.name));
        Assert.Equal(model.parameters().Select(p => p.Handle), group.Parameters.Select(p => p.Handle));
        Assert.Equal((BaseLr, BaseWd, Momentum), Groups(wrapper)[0]);
    }

    // test_optimizer.py test_build_default_optimizer_constructor / _check_sgd_optimizer (OPT-12), value for value.
    [Fact]
    public void Build_MmengineParamwiseCfg_EveryGroupMatchesMmengine()
    {
        using var scope = NewDisposeScope();
        var wrapper = Build(new ExampleModel(), SgdWrapperCfg(), MmengineParamwise());

        double[] expectedLr = [BaseLr, BaseLr, BaseLr, BaseLr * 2, BaseLr, BaseLr, BaseLr, BaseLr, BaseLr * 2, BaseLr, BaseLr];
        double[] expectedWd =
        [
            BaseWd * 0.3, BaseWd, BaseWd, BaseWd * 0.5, BaseWd * 0, BaseWd * 0, BaseWd * 0.3, BaseWd * 0.1, BaseWd * 0.5, BaseWd * 0, BaseWd * 0,
        ];
        var groups = Groups(wrapper);
        Assert.Equal(11, groups.Count);
        Assert.Equal(expectedLr, groups.Select(g => g.Lr));
        Assert.Equal(expectedWd, groups.Select(g => g.Wd));
        Assert.All(groups, g => Assert.Equal(Momentum, g.Momentum));

        // OPT-07: with several groups get_lr() also reports the optimizer's default lr.
        Assert.Equal([BaseLr], wrapper.GetLr()["base_lr"]);
        Assert.Contains(_logs.Messages, m => m == "paramwise_options -- conv2.bias:lr=0.02");
        Assert.Contains(_logs.Messages, m => m == "paramwise_options -- sub.conv1.weight:weight_decay=0.09000000000000001");
    }

    // test_optimizer.py test_default_optimizer_constructor_custom_key (OPT-13): longest key wins, custom keys
    // override the norm rule, a key matching nothing is harmless.
    [Fact]
    public void Build_CustomKeys_LongestMatchWinsAsInMmengine()
    {
        using var scope = NewDisposeScope();
        var paramwise = new ConfigDict
        {
            ["custom_keys"] = new ConfigDict
            {
                ["param1"] = new ConfigDict { ["lr_mult"] = 10L },
                ["sub"] = new ConfigDict { ["lr_mult"] = 0.1, ["decay_mult"] = 0L },
                ["sub.gn"] = new ConfigDict { ["lr_mult"] = 0.01 },
                ["non_exist_key"] = new ConfigDict { ["lr_mult"] = 0.0 },
            },
            ["norm_decay_mult"] = 0.5,
        };
        var groups = Groups(Build(new ExampleModel(), SgdWrapperCfg(), paramwise));

        var expected = new Dictionary<string, (double Lr, double Wd)>
        {
            ["param1"] = (BaseLr * 10, BaseWd), ["sub.param1"] = (BaseLr * 10, BaseWd),
            ["sub.gn.weight"] = (BaseLr * 0.01, BaseWd), ["sub.gn.bias"] = (BaseLr * 0.01, BaseWd),
            ["sub.conv1.weight"] = (BaseLr * 0.1, 0), ["sub.conv1.bias"] = (BaseLr * 0.1, 0),
            ["bn.weight"] = (BaseLr, BaseWd * 0.5), ["bn.bias"] = (BaseLr, BaseWd * 0.5),
            ["conv1.weight"] = (BaseLr, BaseWd), ["conv2.weight"] = (BaseLr, BaseWd), ["conv2.bias"] = (BaseLr, BaseWd),
        };
        Assert.Equal(11, groups.Count);
        for (var i = 0; i < ParamNames.Length; i++)
        {
            Assert.Equal(expected[ParamNames[i]], (groups[i].Lr, groups[i].Wd));
            Assert.Equal(Momentum, groups[i].Momentum);
        }
    }

    // test_optimizer.py custom_key "ExampleModel 2": no weight_decay in the optimizer → 0 everywhere.
    [Fact]
    public void Build_CustomKeysWithoutWeightDecay_DecayStaysZero()
    {
        using var scope = NewDisposeScope();
        var paramwise = new ConfigDict { ["custom_keys"] = new ConfigDict { ["param1"] = new ConfigDict { ["lr_mult"] = 10L } } };
        var groups = Groups(Build(new ExampleModel(), SgdWrapperCfg(weightDecay: false), paramwise));

        Assert.Equal(11, groups.Count);
        for (var i = 0; i < ParamNames.Length; i++)
        {
            Assert.Equal(ParamNames[i] is "param1" or "sub.param1" ? BaseLr * 10 : BaseLr, groups[i].Lr);
            Assert.Equal(0, groups[i].Wd);
        }
    }

    // test_optimizer.py test_default_optimizer_constructor_no_grad: frozen parameters keep the defaults.
    [Fact]
    public void Build_FrozenParameters_KeepDefaults()
    {
        using var scope = NewDisposeScope();
        var model = new ExampleModel();
        foreach (var p in model.parameters()) p.requires_grad = false;
        var groups = Groups(Build(model, SgdWrapperCfg(), MmengineParamwise()));

        Assert.Equal(11, groups.Count);
        Assert.All(groups, g => Assert.Equal((BaseLr, BaseWd, Momentum), g));
    }

    // test_optimizer.py test_default_optimizer_constructor_bypass_duplicate.
    [Fact]
    public void Build_SharedModule_DuplicateIsErrorUnlessBypassed()
    {
        using var scope = NewDisposeScope();
        var model = new ExampleModel(duplicate: true);
        var paramwise = MmengineParamwise();

        var error = Assert.Throws<KilnException>(() => Build(model, SgdWrapperCfg(), paramwise));
        Assert.Contains("some parameters appear in more than one parameter group", error.Message);

        paramwise["bypass_duplicate"] = true;
        var groups = Groups(Build(model, SgdWrapperCfg(), paramwise));
        Assert.Equal(11, groups.Count);
        Assert.Contains(_logs.Messages, m => m == "conv3.0 is duplicate. It is skipped since bypass_duplicate=True");
        Assert.Equal(BaseLr * 2, groups[3].Lr);   // conv2.bias, as _check_sgd_optimizer expects
    }

    // test_optimizer.py test_default_optimizer_constructor: decay multipliers need a base weight decay.
    [Theory]
    [InlineData("bias_decay_mult")]
    [InlineData("norm_decay_mult")]
    [InlineData("dwconv_decay_mult")]
    [InlineData("flat_decay_mult")]
    public void Ctor_DecayMultWithoutWeightDecay_IsClearError(string key)
    {
        var error = Assert.Throws<KilnException>(() => Build(new ExampleModel(), SgdWrapperCfg(weightDecay: false), new ConfigDict { [key] = 1L }));
        Assert.Contains($"paramwise_cfg.{key} needs optim_wrapper.optimizer.weight_decay", error.Message);
    }

    [Fact]
    public void Ctor_BadParamwiseCfg_NamesKeyAndValidOnes()
    {
        var error = Assert.Throws<KilnException>(() => Build(new ExampleModel(), SgdWrapperCfg(), new ConfigDict { ["invalid_mult"] = 1L }));
        Assert.Contains("'invalid_mult'", error.Message);
        Assert.Contains("bias_lr_mult", error.Message);

        error = Assert.Throws<KilnException>(() => Build(new ExampleModel(), SgdWrapperCfg(),
            new ConfigDict { ["custom_keys"] = new List<object?> { 0.1, 0.0001 } }));
        Assert.Contains("custom_keys must be a dict", error.Message);
    }

    // Documented top-level lr_mult / decay_mult: every parameter no custom key matched.
    [Fact]
    public void Build_TopLevelLrMultAndDecayMult_ScaleUnmatchedParameters()
    {
        using var scope = NewDisposeScope();
        var paramwise = new ConfigDict
        {
            ["lr_mult"] = 0.5, ["decay_mult"] = 0.1,
            ["custom_keys"] = new ConfigDict { ["sub"] = new ConfigDict { ["lr_mult"] = 2L } },
        };
        var groups = Groups(Build(new ExampleModel(), SgdWrapperCfg(), paramwise));
        for (var i = 0; i < ParamNames.Length; i++)
        {
            var sub = ParamNames[i].StartsWith("sub.", StringComparison.Ordinal);
            Assert.Equal(sub ? (BaseLr * 2, BaseWd) : (BaseLr * 0.5, BaseWd * 0.1), (groups[i].Lr, groups[i].Wd));
        }
    }

    /// <summary>test_optimizer.py test_build_custom_optimizer_constructor (OPT-14): a subclass with its own paramwise key.</summary>
    public sealed class Conv1LrConstructor(ConfigDict optimWrapperCfg, ConfigDict? paramwiseCfg = null, IComponentBuilder? builder = null)
        : DefaultOptimWrapperConstructor(optimWrapperCfg, paramwiseCfg, builder)
    {
        public override IManagedOptimWrapper Build(nn.Module model)
        {
            var mult = ParamwiseCfg.Get("conv1_lr_mult") is long l ? l : 1.0;
            var groups = model.named_parameters().Select(np => new ParamGroupSpec([np.parameter],
                np.name.StartsWith("conv1", StringComparison.Ordinal) ? new Dictionary<string, double> { ["lr"] = BaseLr!.Value * mult } : [])).ToList();
            var cfg = new ConfigDict(OptimizerCfg) { ["params"] = groups };
            return BuildWrapper(RequireBuilder().Build<optim.Optimizer>(Registries.Optimizers, cfg));
        }
    }

    [Fact]
    public void Build_CustomConstructorFromRegistry_UsesItsOwnRule()
    {
        using var scope = NewDisposeScope();
        using var services = new ServiceCollection().AddLogging().AddKiln(o => o.LoadPluginFolders = false).BuildServiceProvider();
        var tree = services.GetRequiredService<RegistryTree>();
        tree.RootRegistrar().Register(Registries.OptimWrapperConstructors, typeof(Conv1LrConstructor));
        var constructor = services.GetRequiredService<IComponentBuilder>().Build<DefaultOptimWrapperConstructor>(Registries.OptimWrapperConstructors,
            new ConfigDict { ["type"] = nameof(Conv1LrConstructor), ["optim_wrapper_cfg"] = SgdWrapperCfg(), ["paramwise_cfg"] = new ConfigDict { ["conv1_lr_mult"] = 5L } });
        var groups = Groups((OptimWrapper)constructor.Build(new ExampleModel()));

        Assert.Equal(BaseLr * 5, groups[1].Lr);
        Assert.Equal(BaseWd, groups[1].Wd);
        Assert.Equal(BaseLr, groups[0].Lr);
    }

    /// <summary>A GAN-shaped model: two children, one optimizer each.</summary>
    private sealed class TwoPart : nn.Module
    {
        public TwoPart() : base(nameof(TwoPart))
        {
            register_module("gen", nn.Linear(2, 2));
            register_module("disc", nn.Linear(2, 1));
        }
    }

    // OPT-09, OPT-14: optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', gen=dict(...), disc=dict(...)).
    [Fact]
    public void MultiConstructor_OneWrapperPerChild_AsOptimWrapperDict()
    {
        using var scope = NewDisposeScope();
        var cfg = new ConfigDict
        {
            ["gen"] = new ConfigDict { ["optimizer"] = new ConfigDict { ["type"] = "Adam", ["lr"] = 0.0002, ["betas"] = new List<object?> { 0.5, 0.999 } } },
            ["disc"] = new ConfigDict
            {
                ["optimizer"] = new ConfigDict { ["type"] = "SGD", ["lr"] = 0.01, ["weight_decay"] = 0.1 },
                ["paramwise_cfg"] = new ConfigDict { ["bias_decay_mult"] = 0L },
            },
        };
        var constructor = Builder.Build<DefaultOptimWrapperConstructor>(Registries.OptimWrapperConstructors,
            new ConfigDict { ["type"] = "MultiOptimWrapperConstructor", ["optim_wrapper_cfg"] = cfg });
        var model = new TwoPart();
        var dict = Assert.IsType<OptimWrapperDict>(constructor.Build(model));

        Assert.Equal(["gen", "disc"], dict.Keys);
        Assert.IsType<Adam>(dict["gen"].Optimizer);
        Assert.Equal(2, dict["disc"].ParamGroups().Count());
        Assert.Equal(0, ((SGD.Options)dict["disc"].ParamGroups().Last().Options).weight_decay);
        Assert.Equal(new Dictionary<string, IReadOnlyList<double>> { ["gen.lr"] = [0.0002], ["disc.base_lr"] = [0.01], ["disc.lr"] = [0.01, 0.01] }, dict.GetLr());
        Assert.Equal(new Dictionary<string, IReadOnlyList<double>> { ["gen.momentum"] = [0.5], ["disc.momentum"] = [0, 0] }, dict.GetMomentum());

        var error = Assert.Throws<KilnException>(() => Builder.Build<DefaultOptimWrapperConstructor>(Registries.OptimWrapperConstructors,
            new ConfigDict { ["type"] = "MultiOptimWrapperConstructor", ["optim_wrapper_cfg"] = new ConfigDict { ["generator"] = cfg["gen"] } }).Build(model));
        Assert.Contains("has no child module 'generator'", error.Message);
    }

    /// <summary>Collects formatted log messages.</summary>
    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Collector(Messages);

        public void Dispose()
        {
        }

        private sealed class Collector(List<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (messages) messages.Add(formatter(state, exception));
            }
        }
    }
}
