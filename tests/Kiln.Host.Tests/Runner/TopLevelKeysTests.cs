using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>RUN-01/RUN-02: unknown top-level keys: typos and MMCV 1.x keys are named; config variables are kept.</summary>
public sealed class TopLevelKeysTests : ToyRunnerTest
{
    [Theory]
    [InlineData("default_hook", "did you mean 'default_hooks'?")]
    [InlineData("work_dirs", "did you mean 'work_dir'?")]
    [InlineData("val_evaluater", "did you mean 'val_evaluator'?")]
    public void Typo_OfARunnerKey_IsNamed(string key, string expected)
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg[key] = new ConfigDict();
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains($"'{key}' is not a key the Runner reads; {expected}", e.Message);
    }

    [Fact]
    public void MmcvKey_WithoutReplacement_NamesTheReplacement()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["lr_config"] = new ConfigDict { ["policy"] = "step", ["step"] = new List<object?> { 8L, 11L } };
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("'lr_config' is an MMCV 1.x config key", e.Message);
        Assert.Contains("Use 'param_scheduler' instead", e.Message);
    }

    [Fact]
    public void MmcvKey_NextToItsReplacement_IsToleratedAndLogged()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["log_config"] = new ConfigDict { ["interval"] = 50L };
        using var runner = Toy.Create(cfg);
        var log = File.ReadAllText(Directory.GetFiles(runner.LogDir, "*.log").Single());
        Assert.Contains("Config key 'log_config' (MMCV 1.x) is ignored; 'default_hooks' is used.", log);
    }

    [Fact]
    public void ConfigVariables_AreKept_AsInMMEngine()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["data_root"] = "data/toy/";
        cfg["train_pipeline"] = new List<object?> { new ConfigDict { ["type"] = "LoadImageFromFile" } };
        cfg["max_epochs"] = 2L;
        using var runner = Toy.Create(cfg);
        Assert.Equal("data/toy/", runner.Cfg["data_root"]);
    }

    [Fact]
    public void TopLevelDataPreprocessor_GoesToTheModel()
    {
        // MMEngine: model.setdefault('data_preprocessor', data_preprocessor)
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["data_preprocessor"] = new ConfigDict { ["type"] = "NoSuchPreprocessor" };
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("data_preprocessor", e.Message);
        Assert.StartsWith("model", e.Message);
    }
}
