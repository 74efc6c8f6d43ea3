using Kiln.Config;
using Kiln.Hosting;
using Microsoft.Extensions.Hosting;

namespace Kiln.Guide;

/// <summary>docs/coming-from-mmengine.md.</summary>
public static class MigrationSnippets
{
    [Snippet("migrate-train-step")]
    public static void TrainStep()
    {
        #region guide:migrate-train-step
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var cfg = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
        cfg["model"] = new ConfigDict { ["type"] = "ManualStepModel" };
        cfg.MergeCfgOptions(["train_cfg.max_epochs=1", "val_dataloader=None", "val_cfg=None", "val_evaluator=None"]);
        using var runner = Runner.FromConfig(cfg.Dict, host.Services);
        runner.Train();
        var logged = runner.MessageHub.LogScalars.Keys.Where(k => k.StartsWith("train/loss", StringComparison.Ordinal)).Order();
        Console.WriteLine($"{runner.Iter} iterations; logged: {string.Join(", ", logged)}");
        #endregion
    }
}
