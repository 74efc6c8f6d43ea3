using Kiln.Config;
using Kiln.Hosting;
using Kiln.Registry;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Registry;

/// <summary>
/// <see cref="ConfigValidator"/> (<c>kiln config validate</c>): every type and key of a Runner config checked against
/// the registries and constructor signatures without building anything; all problems at once, with key paths.
/// </summary>
public sealed class ConfigValidatorTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging()
        .AddKiln(o =>
        {
            o.LoadPluginFolders = false;
            o.InProcessPlugins.Add(new ToyPlugin());
            o.InProcessPlugins.Add(new ProbePlugin());
        })
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private IReadOnlyList<string> Validate(ConfigDict cfg) =>
        new ConfigValidator(_services.GetRequiredService<RegistryTree>(), _services).Validate(cfg);

    private static ConfigDict Toy() => ToyRunner.EpochBasedConfig("unused-work-dir");

    // The toy configs the Runner tests train with are valid.
    [Fact]
    public void Validate_ToyConfigs_NoProblems()
    {
        Assert.Empty(Validate(Toy()));
        Assert.Empty(Validate(ToyRunner.IterBasedConfig("unused-work-dir")));
    }

    // "before any tensor is allocated": nothing is constructed, so a component whose constructor throws validates.
    [Fact]
    public void Validate_ComponentWhoseConstructorThrows_IsNotBuilt()
    {
        var cfg = Toy();
        cfg["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "probe.ExplodingHook", ["size"] = 2L } };
        Assert.Empty(Validate(cfg));
        Assert.Equal(0, ExplodingHook.Constructed);
    }

    // All problems are reported at once, each with its key path, in config order.
    [Fact]
    public void Validate_SeveralMistakes_ReportsEachWithKeyPath()
    {
        var cfg = Toy();
        cfg["model"] = new ConfigDict { ["type"] = "ToyModle" };
        ((ConfigDict)cfg["train_dataloader"]!)["dataset"] = new ConfigDict { ["type"] = "ToyDataset", ["sise"] = 3L };
        cfg["val_evaluator"] = new List<object?> { new ConfigDict { ["type"] = "ToyMetric" }, new ConfigDict { ["type"] = "NoMetric" } };
        cfg["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "probe.ExplodingHook" }, "not a dict" };
        cfg["optim_wrapper"] = new ConfigDict { ["optimizer"] = new ConfigDict { ["type"] = "SDG", ["lr"] = 0.1 } };

        var problems = Validate(cfg);
        Assert.Collection(problems,
            p => Assert.StartsWith("model.type: 'ToyModle' is not in the toy::model registry. Did you mean 'ToyModel'", p),
            p => Assert.StartsWith("train_dataloader.dataset.sise: ToyDataset does not take 'sise' (did you mean 'size'?)", p),
            p => Assert.StartsWith("val_evaluator[1].type: 'NoMetric' is not in the toy::metric registry.", p),
            p => Assert.StartsWith("optim_wrapper.optimizer.type: 'SDG' is not in the toy::optimizer registry. Did you mean 'SGD'", p),
            p => Assert.StartsWith("custom_hooks[0] (probe.ExplodingHook): ExplodingHook needs 'size' (Int32), which the config does not give.", p),
            p => Assert.Equal("custom_hooks[1] must be a hook dict.", p));
    }

    // _scope_ switches the scope for a subtree (REG-10); the default scope must be loaded.
    [Fact]
    public void Validate_ScopeKeyAndDefaultScope_AreHonoured()
    {
        var cfg = Toy();
        cfg["default_scope"] = "mmengine";
        var problems = Validate(cfg);
        Assert.Contains(problems, p => p.StartsWith("model.type: 'ToyModel' is not in the mmengine::model registry. Did you mean 'toy.ToyModel'", StringComparison.Ordinal));

        ((ConfigDict)cfg["model"]!)["_scope_"] = "toy";
        Assert.DoesNotContain(Validate(cfg), p => p.StartsWith("model.", StringComparison.Ordinal));

        cfg["default_scope"] = "nosuch";
        Assert.Contains("default_scope = 'nosuch' is not a loaded scope; scopes: mmengine, toy, probe.", Validate(cfg));
    }

    // Values are checked against parameter types without building: wrong kinds, enum names, tuple sizes, nested dicts.
    [Fact]
    public void Validate_ValueKinds_CheckedAgainstParameterTypes()
    {
        var cfg = Toy();
        cfg["custom_hooks"] = new List<object?>
        {
            new ConfigDict { ["type"] = "probe.ExplodingHook", ["size"] = "big", ["window"] = new object?[] { 1L, 2L, 3L } },
            new ConfigDict { ["type"] = "probe.ExplodingHook", ["size"] = 1L, ["mode"] = "sideways", ["inner"] = new ConfigDict { ["type"] = "Nope" } },
        };
        var problems = Validate(cfg);
        Assert.Contains("custom_hooks[0].size = 'big' is a string, but a Int32 is needed here.", problems);
        Assert.Contains(problems, p => p.StartsWith("custom_hooks[0].window = (1, 2, 3) has 3 items, but a ValueTuple<Int32, Int32> takes 2.", StringComparison.Ordinal));
        Assert.Contains("custom_hooks[1].mode: 'sideways' is not valid here; valid values: 'up', 'down'.", problems);
        Assert.Contains(problems, p => p.StartsWith("custom_hooks[1].inner.type: 'Nope' is not in the toy::model registry.", StringComparison.Ordinal));
    }

    // kiln config validate: exit 1 and the list on stderr; exit 0 and OK on a valid file.
    [Fact]
    public void Cli_Validate_ExitCodesAndOutput()
    {
        using var dir = new TempDir();
        string bad = dir.Combine("bad.py");
        File.WriteAllText(bad, "model = dict(type='NoSuchModel')\ncustom_hooks = [dict(type='NoSuchHook')]\n");
        var run = CliRun.Invoke("config", "validate", bad);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{bad}: 2 problem(s):", run.Error);
        Assert.Contains("  model.type: 'NoSuchModel' is not in the mmengine::model registry.", run.Error);
        Assert.Contains("  custom_hooks[0].type: 'NoSuchHook' is not in the mmengine::hook registry.", run.Error);

        string good = dir.Combine("good.py");
        File.WriteAllText(good, "model = dict(type='NoSuchModel')\n");
        string fixture = Path.Combine(AppContext.BaseDirectory, "fixture-plugins", "jsonnew");
        var fixedRun = CliRun.Invoke("config", "validate", good, "--cfg-options", "model.type=jsonnew.JsonLinear", "--plugins", fixture);
        Assert.Equal(0, fixedRun.ExitCode);
        Assert.Contains("OK", fixedRun.Output);
    }

    private sealed class ProbePlugin : IKilnPlugin
    {
        public string Scope => "probe";

        public void Register(IPluginRegistrar registrar) => registrar.Register(Registries.Hooks, typeof(ExplodingHook));
    }

    public enum Mode { Up, Down }

    public sealed class ExplodingHook : Kiln.Hooks.Hook
    {
        public static int Constructed;

        public ExplodingHook(int size, (int, int) window = default, Mode mode = Mode.Up, TorchSharp.torch.nn.Module? inner = null)
        {
            Interlocked.Increment(ref Constructed);
            throw new InvalidOperationException($"never built during validation ({size}, {window}, {mode}, {inner})");
        }
    }
}
