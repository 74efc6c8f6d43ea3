using System.Globalization;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.TestKit;
using Microsoft.Extensions.Hosting;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>loops</c>: LeNet-5 on the MNIST sample, 3 epochs' worth of iterations, trained by EpochBasedTrainLoop and by
/// IterBasedTrainLoop, alternating, ROUNDS times each. Prints the median iteration time of each loop, their ratio,
/// and the iterations that cross an epoch wrap (where MMEngine's IterBasedTrainLoop sleeps 2 s).
/// </summary>
internal static class LoopsBenchmark
{
    private const int ItersPerEpoch = 125, Epochs = 3;

    public static int Run(IHost host, int rounds)
    {
        var epochRuns = new List<List<double>>();
        var iterRuns = new List<List<double>>();
        for (int round = 0; round < rounds; round++)
        {
            epochRuns.Add(Train(host, byEpoch: true));
            iterRuns.Add(Train(host, byEpoch: false));
        }

        // The first round warms libtorch up; it is reported but left out of the medians when there are others.
        var measured = rounds > 1 ? 1 : 0;
        var epochAll = epochRuns.Skip(measured).SelectMany(x => x).ToList();
        var iterAll = iterRuns.Skip(measured).SelectMany(x => x).ToList();
        double epochMedian = Stats.Median(epochAll), iterMedian = Stats.Median(iterAll);
        var wraps = iterRuns.Skip(measured).SelectMany(r => new[] { r[ItersPerEpoch], r[2 * ItersPerEpoch] }).ToList();

        Console.WriteLine($"LeNet-5, MNIST sample, batch 64, {Epochs} x {ItersPerEpoch} iterations per run, {rounds} rounds per loop " +
            $"(first round is warm-up), {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| loop | iterations | median ms/iter | p90 ms/iter | total s (median run) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(Row("EpochBasedTrainLoop", epochRuns.Skip(measured).ToList(), epochAll));
        Console.WriteLine(Row("IterBasedTrainLoop", iterRuns.Skip(measured).ToList(), iterAll));
        Console.WriteLine();
        Console.WriteLine($"iter-based / epoch-based median iteration time: {iterMedian / epochMedian:F3}");
        Console.WriteLine($"iterations that cross an epoch wrap (iter-based): median {Stats.Median(wraps):F2} ms, max {wraps.Max():F2} ms " +
            $"(MMEngine sleeps 2000 ms there)");
        return 0;
    }

    private static string Row(string name, List<List<double>> runs, List<double> all) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {all.Count} | {Stats.Median(all):F2} | {Stats.Percentile(all, 0.9):F2} | {Stats.Median(runs.Select(r => r.Sum() / 1000).ToList()):F2} |");

    private static List<double> Train(IHost host, bool byEpoch)
    {
        using var tmp = new TempDir();
        var cfg = Config.Config.FromFile(Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
        string trainCfg = byEpoch
            ? $"train_cfg=dict(_delete_=True, by_epoch=True, max_epochs={Epochs}, val_interval=1000)"
            : $"train_cfg=dict(_delete_=True, by_epoch=False, max_iters={Epochs * ItersPerEpoch}, val_interval=100000)";
        var text = $"""
            {trainCfg}
            log_processor = dict(by_epoch={(byEpoch ? "True" : "False")})
            default_hooks = dict(logger=dict(type='LoggerHook', interval=1000), checkpoint=dict(type='CheckpointHook', interval=100000, by_epoch={(byEpoch ? "True" : "False")}))
            custom_hooks = [dict(type='bench.IterTimeHook')]
            """;
        var overrides = Config.Config.FromString(text, ".py");
        cfg.MergeFromDict(overrides.Dict);
        cfg.MergeFromDict(Config.Config.ParseCfgOptions([
            $"work_dir={tmp.Path}",
            $"train_dataloader.dataset.data_root={RepoPaths.Mnist}", $"val_dataloader.dataset.data_root={RepoPaths.Mnist}",
        ]));
        IterTimeHook.Clear();
        using (var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText))
            runner.Train();
        return [.. IterTimeHook.Milliseconds];
    }
}
