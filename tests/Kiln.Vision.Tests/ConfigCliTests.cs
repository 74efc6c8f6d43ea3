using System.Text.Json;
using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary>
/// <c>kiln config dump</c> and <c>kiln config explain</c> on the bundled LeNet-5 config, and on a config that inherits
/// the plugin's model with <c>vision::</c> (issue 3, CFG-12, CFG-17), with the bundled plugins loaded.
/// </summary>
[Collection("cli")]
public class ConfigCliTests
{
    private static string LeNet => Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py");

    [Fact]
    public void Dump_LeNetJson_IsTheMergedToDict()
    {
        var run = CliRun.Invoke("config", "dump", LeNet, "--format", "json");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        var root = doc.RootElement;
        // Bases first (model, then the dataset file), then the child's own keys, as MMEngine's merge orders them.
        Assert.Equal(
            ["model", "dataset_type", "data_root", "train_dataloader", "val_dataloader", "test_dataloader", "val_evaluator", "test_evaluator",
             "default_scope", "train_cfg", "val_cfg", "test_cfg", "optim_wrapper", "default_hooks", "randomness"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("LeNet5", root.GetProperty("model").GetProperty("type").GetString());
        Assert.Equal("10", root.GetProperty("model").GetProperty("num_classes").GetRawText());
        Assert.Equal("[1]", root.GetProperty("val_evaluator").GetProperty("topk").GetRawText());
        Assert.Equal("64", root.GetProperty("test_dataloader").GetProperty("batch_size").GetRawText());
        Assert.Equal("0.01", root.GetProperty("optim_wrapper").GetProperty("optimizer").GetProperty("lr").GetRawText());
        Assert.Equal("[33.33]", root.GetProperty("model").GetProperty("data_preprocessor").GetProperty("mean").GetRawText());
    }

    [Fact]
    public void Dump_LeNetPy_ReloadsToTheSameJson()
    {
        // CFG-12: the dumped .py is standalone and reads back to the same dict.
        using var tmp = new TempDir();
        var py = CliRun.Invoke("config", "dump", LeNet);
        Assert.Equal(0, py.ExitCode);
        string dumped = tmp.Combine("lenet5_dump.py");
        File.WriteAllText(dumped, py.Output);
        Assert.DoesNotContain("_base_", py.Output);
        var again = CliRun.Invoke("config", "dump", dumped);
        Assert.Equal(py.Output, again.Output);
        var sortedJson = CliRun.Invoke("config", "dump", dumped, "--format", "yaml");
        var originalYaml = CliRun.Invoke("config", "dump", LeNet, "--format", "yaml");
        Assert.Equal(originalYaml.Output, sortedJson.Output);
    }

    [Fact]
    public void Explain_LeNetNumClasses_NamesTheModelBaseLine()
    {
        var run = CliRun.Invoke("config", "explain", LeNet, "model.num_classes");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("model.num_classes = 10", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("  set at ", lines[1]);
        Assert.EndsWith(Path.Combine("_base_", "models", "lenet5.py") + ":4    num_classes=10,", lines[1]);
    }

    [Fact]
    public void Explain_LeNetLrWithOption_ShowsOptionThenChildLine()
    {
        var run = CliRun.Invoke("config", "explain", LeNet, "optim_wrapper.optimizer.lr", "--cfg-options", "optim_wrapper.optimizer.lr=0.05");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("optim_wrapper.optimizer.lr = 0.05", lines[0]);
        Assert.Equal("  set by --cfg-options optim_wrapper.optimizer.lr=0.05", lines[1]);
        Assert.StartsWith("  overriding 0.01 at ", lines[2]);
        Assert.EndsWith("lenet5_mnist.py:11    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))", lines[2]);
    }

    [Fact]
    public void Explain_TestDataloaderSharedWithVal_PointsAtTheDatasetBase()
    {
        var run = CliRun.Invoke("config", "explain", LeNet, "test_dataloader.dataset.test_mode");
        Assert.Equal(0, run.ExitCode);
        Assert.EndsWith(Path.Combine("_base_", "datasets", "mnist.py") + ":15    dataset=dict(type=dataset_type, data_root=data_root, test_mode=True))\n", run.Output);
    }

    [Fact]
    public void ScopedBase_DumpAddsScopeAndExplainSaysWhy()
    {
        // CFG-17: `vision::` resolves in the Vision plugin's configs folder; the inherited model gets _scope_='vision'.
        using var tmp = new TempDir();
        string child = tmp.Combine("scoped.py");
        File.WriteAllText(child, "_base_ = ['vision::_base_/models/lenet5.py']\nmodel = dict(num_classes=5)\n");

        var dump = CliRun.Invoke("config", "dump", child);
        Assert.Equal(0, dump.ExitCode);
        Assert.Equal(
            "model = dict(\n    _scope_='vision',\n    data_preprocessor=dict(\n        mean=[33.33],\n        std=[78.57],\n        type='ImgDataPreprocessor'),\n    num_classes=5,\n    type='LeNet5')\n",
            dump.Output);

        var scope = CliRun.Invoke("config", "explain", child, "model._scope_");
        Assert.Equal(0, scope.ExitCode);
        Assert.Equal($"model._scope_ = 'vision'\n  set by the scoped base 'vision::_base_/models/lenet5.py' ({child}:1)\n", scope.Output);

        var classes = CliRun.Invoke("config", "explain", child, "model.num_classes");
        var lines = classes.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"  set at {child}:2    model = dict(num_classes=5)", lines[1]);
        Assert.StartsWith("  overriding 10 at ", lines[2]);
        Assert.EndsWith(Path.Combine("vision", "configs", "_base_", "models", "lenet5.py") + ":4    num_classes=10,", lines[2]);
    }

    [Fact]
    public void ScopedBase_UnknownFile_NamesScopeAndLine()
    {
        using var tmp = new TempDir();
        string child = tmp.Combine("bad.py");
        File.WriteAllText(child, "_base_ = ['vision::_base_/models/lenet9.py']\n");
        var run = CliRun.Invoke("config", "dump", child);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{child}: {child}:1: base config 'vision::_base_/models/lenet9.py' not found in scope 'vision'", run.Error);
    }
}
