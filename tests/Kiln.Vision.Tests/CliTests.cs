using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary>The <c>kiln</c> CLI with the bundled plugins loaded from plugins/ beside the binary (XLIB-01, REG-01).</summary>
[Collection("cli")]
public class CliTests
{
    [Fact]
    public void PluginsList_ShowsThreeBundledPluginsWithScopes()
    {
        var run = CliRun.Invoke("plugins", "list");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("Kiln.Vision ", StringComparison.Ordinal) && l.Contains(" vision ") && l.Contains(Path.Combine("plugins", "vision")));
        Assert.Contains(lines, l => l.StartsWith("Kiln.Metrics ", StringComparison.Ordinal) && l.Contains(" metrics "));
        Assert.Contains(lines, l => l.StartsWith("Kiln.Gan ", StringComparison.Ordinal) && l.Contains(" gan "));
        Assert.StartsWith("NAME", lines[0]);
    }

    [Fact]
    public void Train_MisspelledModelType_FailsBeforeTrainingNamingKeyAndClosestNames()
    {
        using var tmp = new TempDir();
        string config = tmp.Combine("typo.py");
        File.WriteAllText(config, $"_base_ = ['{Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py").Replace("\\", "/")}']\nmodel = dict(type='LeNet6')\n");
        var run = CliRun.Invoke("train", config, "--work-dir", tmp.Combine("work"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model.type: 'LeNet6' is not in the vision::model registry", run.Error);
        Assert.Contains("Did you mean 'LeNet5'", run.Error);   // closest first; ResNet may follow now that vision registers more models
        Assert.DoesNotContain("   at ", run.Error);   // no stack trace without --debug
        Assert.DoesNotContain("Epoch(train)", run.Output);
        Assert.False(File.Exists(tmp.Combine("work", "last_checkpoint")));
    }

    [Fact]
    public void Train_DebugFlag_AddsStackTrace()
    {
        using var tmp = new TempDir();
        string config = tmp.Combine("typo.py");
        File.WriteAllText(config, "model = dict(type='Nope')\nwork_dir = 'w'\n");
        var run = CliRun.Invoke("train", config, "--work-dir", tmp.Combine("work"), "--debug");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'Nope' is not in the mmengine::model registry", run.Error);
        Assert.Contains("   at ", run.Error);
    }

    [Fact]
    public void Version_PrintsHostVersion()
    {
        var run = CliRun.Invoke("--version");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Output.Trim());
    }
}
