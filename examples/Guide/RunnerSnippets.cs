using Kiln.Config;
using Kiln.Data;
using Kiln.Hosting;
using Microsoft.Extensions.Hosting;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/runner.md.</summary>
public static class RunnerSnippets
{
    [Snippet("runner-objects")]
    public static void FromObjects()
    {
        #region guide:runner-objects
        torch.manual_seed(0);   // the Runner seeds what it builds; a ready model is built before it, by us
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var trainSet = new MyDataset(size: 64, seed: 0);
        var valSet = new MyDataset(size: 32, seed: 1);
        using var runner = Runner.Create(host.Services,
            model: new MyToyModel(),
            workDir: "work_dirs/runner_objects",
            trainDataloader: new DataLoader(trainSet, new DefaultSampler(trainSet, shuffle: true, seed: 0), batchSize: 16),
            optimWrapper: new ConfigDict { ["optimizer"] = new ConfigDict { ["type"] = "SGD", ["lr"] = 0.5 } },
            trainCfg: new ConfigDict { ["by_epoch"] = true, ["max_epochs"] = 10L, ["val_interval"] = 5L },
            valDataloader: new DataLoader(valSet, new DefaultSampler(valSet, shuffle: false), batchSize: 16),
            valCfg: new ConfigDict(),
            valEvaluator: new MyAccuracy(),
            randomness: new ConfigDict { ["seed"] = 0L });
        runner.Train();
        Console.WriteLine($"epochs: {runner.Epoch}, iterations: {runner.Iter}");
        Console.WriteLine($"val accuracy: {runner.MessageHub.GetScalar("val/accuracy").Current:F2}");
        #endregion
    }

    [Snippet("runner-config")]
    public static void FromConfig()
    {
        #region guide:runner-config
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var cfg = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
        cfg.MergeCfgOptions(["train_cfg.max_epochs=5"]);     // as --cfg-options on the command line
        using var runner = Runner.FromConfig(cfg.Dict, host.Services);
        runner.Train();
        Console.WriteLine($"epochs: {runner.Epoch}");
        Console.WriteLine($"checkpoints: {string.Join(", ", Directory.GetFiles(runner.WorkDir, "*.pth").Select(Path.GetFileName).Order())}");
        #endregion
    }
}
