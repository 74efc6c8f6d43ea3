using Kiln.Config;
using Kiln.Hosting;
using Kiln.Models;
using Kiln.Registry;
using Kiln.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TorchSharp;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Vision.Tests;

/// <summary>
/// Issue 4, "Show it" 3 (REG-08, REG-09, REG-13, XLIB-01), with the three bundled plugins loaded from plugins/:
/// a config in the <c>gan</c> scope builds <c>vision.LeNet5</c> and a metric from <c>metrics</c>; a config with
/// <c>default_scope='vision'</c> resolves unscoped names in vision first.
/// </summary>
[Collection("cli")]
public sealed class ScopeAcrossPluginsTests : IDisposable
{
    private readonly IHost _host = KilnHost.Create(console: TextWriter.Null);

    public void Dispose() => _host.Dispose();

    private static string Mnist => RepoPaths.Mnist.Replace("\\", "/");

    private ConfigDict Load(string text) =>
        KilnConfig.FromString(text, ".py", new ConfigLoadOptions { ScopeResolver = _host.Services.GetRequiredService<PluginCatalog>() }).Dict;

    private string GanScopeConfig(string workDir) => $"""
        default_scope = 'gan'
        work_dir = '{workDir.Replace("\\", "/")}'
        model = dict(type='vision.LeNet5', num_classes=10,
                     data_preprocessor=dict(type='vision.ImgDataPreprocessor', mean=[33.33], std=[78.57]))
        val_dataloader = dict(batch_size=500, sampler=dict(type='DefaultSampler', shuffle=False),
                              dataset=dict(type='vision.MNIST', data_root='{Mnist}', test_mode=True))
        val_cfg = dict()
        val_evaluator = dict(type='metrics.Accuracy', topk=(1, ))
        randomness = dict(seed=0)
        """;

    // Show it 3a: a Runner whose default scope is gan (a scope with no components of its own) builds vision.LeNet5,
    // vision.MNIST, mmengine's DefaultSampler (root fallback) and metrics.Accuracy, and validates with them.
    [Fact]
    public void Runner_GanScopeConfig_BuildsVisionModelAndMetricsMetric()
    {
        using var tmp = new TempDir();
        var cfg = Load(GanScopeConfig(tmp.Combine("work")));
        using var runner = Runner.FromConfig(cfg, _host.Services);

        Assert.Equal("Kiln.Vision.Models.LeNet5", runner.Model.GetType().FullName);
        Assert.Equal("Kiln.Vision", runner.Model.GetType().Assembly.GetName().Name);
        var metrics = runner.Val();
        double top1 = Assert.Contains("accuracy/top1", metrics);
        Assert.InRange(top1, 0.0, 100.0);
    }

    // Show it 3a, through the builder: with the gan scope in force the prefixed names cross to their plugins, while
    // an unprefixed vision name is not visible from gan (siblings need the prefix, REG-09).
    [Fact]
    public void Build_InGanScope_PrefixedNamesCrossScopesUnprefixedDoNot()
    {
        var builder = _host.Services.GetRequiredService<IComponentBuilder>();
        using var _ = torch.NewDisposeScope();
        using var scope = DefaultScope.Overwrite("gan");
        var model = builder.Build<BaseModel>(Registries.Models, new ConfigDict { ["type"] = "vision.LeNet5" });
        var metric = builder.Build<Evaluation.BaseMetric>(Registries.Metrics, new ConfigDict { ["type"] = "metrics.Accuracy" });
        Assert.Equal("Kiln.Metrics", metric.GetType().Assembly.GetName().Name);
        Assert.Equal("LeNet5", model.GetType().Name);

        var e = Assert.Throws<KilnException>(() => builder.Build(Registries.Models, new ConfigDict { ["type"] = "LeNet5" }, keyPath: "model"));
        Assert.StartsWith("model.type: 'LeNet5' is not in the gan::model registry. Did you mean 'vision.LeNet5'", e.Message);
    }

    // Show it 3b: with default_scope='vision', an unprefixed name resolves in vision first, even where the root has
    // the same name (a root "LeNet5" is added for the test); without a default scope the root's wins, and
    // 'mmengine.LeNet5' selects the root's from vision. A name vision lacks (DefaultSampler) falls back to the root.
    [Fact]
    public void Build_DefaultScopeVision_ResolvesUnscopedNamesInVisionFirst()
    {
        var tree = _host.Services.GetRequiredService<RegistryTree>();
        tree.RootRegistrar().Register(Registries.Models, typeof(RootNet), "LeNet5");
        var builder = _host.Services.GetRequiredService<IComponentBuilder>();
        using var _ = torch.NewDisposeScope();

        Assert.IsType<RootNet>(builder.Build(Registries.Models, new ConfigDict { ["type"] = "LeNet5" }));
        using var scope = DefaultScope.Overwrite("vision");
        var model = builder.Build<BaseModel>(Registries.Models, new ConfigDict
        {
            ["type"] = "LeNet5",
            ["data_preprocessor"] = new ConfigDict { ["type"] = "ImgDataPreprocessor" },
        });
        Assert.Equal("Kiln.Vision.Models.LeNet5", model.GetType().FullName);
        Assert.Equal("Kiln.Vision.Models.ImgDataPreprocessor", model.DataPreprocessor.GetType().FullName);
        Assert.IsType<RootNet>(builder.Build(Registries.Models, new ConfigDict { ["type"] = "mmengine.LeNet5" }));
        Assert.Equal(RegistryTree.RootScope, tree.Node(Registries.DataSamplers, "vision").Get("DefaultSampler")?.Scope);
    }

    /// <summary>A root-scope model named like vision's, to make "vision first" observable.</summary>
    public sealed class RootNet() : torch.nn.Module(nameof(RootNet));

    // Issue 4 "Build it" (config validate) with the bundled plugins: the bundled LeNet-5 config validates clean, and
    // the gan-scope config does too.
    [Fact]
    public void ConfigValidate_BundledAndGanScopeConfigs_AreValid()
    {
        var bundled = CliRun.Invoke("config", "validate", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
        Assert.Equal(0, bundled.ExitCode);
        Assert.Contains("OK", bundled.Output);

        using var tmp = new TempDir();
        string path = tmp.Combine("gan_scope.py");
        File.WriteAllText(path, GanScopeConfig(tmp.Combine("work")));
        var gan = CliRun.Invoke("config", "validate", path);
        Assert.Equal(0, gan.ExitCode);
    }

    // config validate: every problem of a broken config is reported at once, with key paths, and exit code 1; nothing
    // is built (the work directory is never created).
    [Fact]
    public void ConfigValidate_BrokenConfig_ReportsEveryProblemWithKeyPaths()
    {
        using var tmp = new TempDir();
        string path = tmp.Combine("broken.py");
        File.WriteAllText(path, $"""
            _base_ = ['{Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py").Replace("\\", "/")}']
            work_dir = '{tmp.Combine("work").Replace("\\", "/")}'
            model = dict(type='LeNet5', num_clases=10, data_preprocessor=dict(type='ImgDataPreprocesor'))
            train_dataloader = dict(sampler=dict(type='DefaultSampler', shufle=True), batch_sise=8)
            val_evaluator = dict(type='metrics.Acuracy')
            train_cfg = dict(max_epoch=2)
            default_hooks = dict(logger=dict(type='LoggerHook', interval='ten'))
            custom_hooks = [dict(type='NoSuchHook')]
            """);
        var run = CliRun.Invoke("config", "validate", path);
        Assert.Equal(1, run.ExitCode);
        string[] expected =
        [
            "model.num_clases: LeNet5 does not take 'num_clases' (did you mean 'num_classes'?)",
            "model.data_preprocessor.type: 'ImgDataPreprocesor' is not in the vision::model registry. Did you mean 'ImgDataPreprocessor'",
            "train_dataloader.batch_sise is not a dataloader key (did you mean 'batch_size'?)",
            "train_dataloader.sampler.shufle: DefaultSampler does not take 'shufle' (did you mean 'shuffle'?)",
            "train_cfg.max_epoch: EpochBasedTrainLoop does not take 'max_epoch' (did you mean 'max_epochs'?)",
            "val_evaluator.type: 'metrics.Acuracy' is not in the vision::metric registry. Did you mean 'metrics.Accuracy'",
            "default_hooks.logger.interval = 'ten' is a string, but a Int32 is needed here.",
            "custom_hooks[0].type: 'NoSuchHook' is not in the vision::hook registry.",
        ];
        foreach (var line in expected) Assert.Contains(line, run.Error);
        Assert.Contains("problem(s):", run.Error);
        Assert.False(Directory.Exists(tmp.Combine("work")));
    }

    // registry list with the bundled plugins: one registry, one scope, with implementing type and plugin.
    [Fact]
    public void RegistryList_ModelsInVision_ShowsTypeAndPlugin()
    {
        var run = CliRun.Invoke("registry", "list", "MODELS", "--scope", "vision");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^NAME\s+SCOPE\s+TYPE\s+PLUGIN$", run.Output);
        Assert.Matches(@"(?m)^LeNet5\s+vision\s+Kiln\.Vision\.Models\.LeNet5\s+Kiln\.Vision$", run.Output);
        Assert.DoesNotContain("Accuracy", run.Output);

        var all = CliRun.Invoke("registry", "list");
        Assert.Matches(@"(?m)^metric\s+Accuracy\s+metrics\s+Kiln\.Metrics\.Accuracy\s+Kiln\.Metrics$", all.Output);
        Assert.Matches(@"(?m)^function\s+pseudo_collate\s+mmengine\s+Kiln\.Data\.Collate\.PseudoCollate \(function\)\s+Kiln\.Host \(built-in\)$", all.Output);
    }
}
