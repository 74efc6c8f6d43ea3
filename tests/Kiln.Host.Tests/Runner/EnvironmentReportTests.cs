using Kiln.Config;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>LOG-07/LOG-08: MMEngine's start-up "System environment:" / "Runtime environment:" report, and log_level.</summary>
public sealed class EnvironmentReportTests : ToyRunnerTest
{
    private string Log() => File.ReadAllText(Directory.GetFiles(Tmp.Path, "*.log", SearchOption.AllDirectories).Single());

    [Fact]
    public void Report_HasMMEnginesBlocks_WithDotNetTorchAndRunFacts()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["env_cfg"] = new ConfigDict { ["cudnn_benchmark"] = false, ["dist_cfg"] = new ConfigDict { ["backend"] = "nccl" } };
        cfg["randomness"] = new ConfigDict { ["seed"] = 1234L };
        using (Toy.Create(cfg)) { }
        string log = Log();
        string dash = new('-', 60);
        Assert.Contains($" - kiln - INFO - \n{dash}\nSystem environment:\n    OS: ", log);
        Assert.Contains($"\n    CPU count: {Environment.ProcessorCount}\n", log);
        Assert.Contains("\n    CUDA available: " + (TorchSharp.torch.cuda.is_available() ? "True" : "False") + "\n", log);
        Assert.Contains($"\n    libtorch: {TorchSharp.torch.__version__}\n", log);
        // The test host keeps the runtime's defaults, whatever this machine's cache makes them (only Kiln's executables cap
        // gen-0 at 4 MiB; RuntimeSettingsProcessTests).
        Assert.Contains($"\n    .NET runtime: {DotNetRuntimeSettings.Describe()}\n", log);
        Assert.Matches(@"\n    Plugins: Kiln\.TestKit [0-9.]+ \(scope toy\)\n", log);
        Assert.Contains("\n\nRuntime environment:\n    cudnn_benchmark: False\n    dist_cfg: {'backend': 'nccl'}\n    seed: 1234\n    deterministic: False\n", log);
        Assert.Contains("\n    Distributed launcher: none\n    Distributed training: False\n    GPU number: 1\n" + dash + "\n", log);
        Assert.Contains(" - kiln - INFO - Config:\n", log);
    }

    [Fact]
    public void LogLevel_Warning_DropsInfoLines()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["log_level"] = "WARNING";
        using (var runner = Toy.Create(cfg)) runner.Train();
        string log = Log();
        Assert.DoesNotContain(" - INFO - ", log);
        Assert.DoesNotContain("Epoch(train)", log);
    }

    [Fact]
    public void LogLevel_Unknown_IsErrorListingLevels()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["log_level"] = "LOUD";
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'", e.Message);
    }
}
