using Kiln.Hosting;
using Microsoft.Extensions.Hosting;

namespace Kiln.Guide;

/// <summary>docs/guide/common-usage.md.</summary>
public static class CommonSnippets
{
    [Snippet("resume")]
    public static void Resume()
    {
        #region guide:resume
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        var first = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
        first.MergeCfgOptions(["train_cfg.max_epochs=2", "default_hooks.checkpoint.interval=1"]);
        using (var runner = Runner.FromConfig(first.Dict, host.Services)) runner.Train();

        var second = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
        second.MergeCfgOptions(["train_cfg.max_epochs=4", "default_hooks.checkpoint.interval=1", "resume=True"]);
        using var resumed = Runner.FromConfig(second.Dict, host.Services);
        resumed.Train();   // loads work_dirs/toy_runner/epoch_2.pth (named by last_checkpoint) first
        Console.WriteLine($"finished at epoch {resumed.Epoch}, iteration {resumed.Iter}");
        Console.WriteLine($"last_checkpoint: {Path.GetFileName(File.ReadAllText("work_dirs/toy_runner/last_checkpoint"))}");
        #endregion
    }

    [Snippet("seed")]
    public static void Seed()
    {
        #region guide:seed
        using IHost host = KilnHost.Create(o => o.InProcessPlugins.Add(new GuidePlugin()));
        float[] TrainOnce(string workDir)
        {
            var cfg = Kiln.Config.Config.FromFile("examples/Guide/configs/toy_runner.py");
            cfg.MergeCfgOptions(["randomness.seed=42", "randomness.deterministic=True", $"work_dir={workDir}"]);
            using var runner = Runner.FromConfig(cfg.Dict, host.Services);
            runner.Train();
            return [.. runner.Model.parameters().SelectMany(p => p.data<float>().ToArray())];
        }
        Console.WriteLine($"same weights: {TrainOnce("work_dirs/seed_a").SequenceEqual(TrainOnce("work_dirs/seed_b"))}");
        #endregion
    }
}
