using System.Globalization;
using Kiln.Config;
using Kiln.TestKit;
using Microsoft.Extensions.Hosting;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>rss [ITERATIONS] [MODEL]</c>: the bundled LeNet-5 config (or MLP 784-256-10 with <c>mlp</c>) trained
/// iteration-based for ITERATIONS iterations (default 20,000; 160 passes over the 8,000-digit sample) with the default
/// hooks, logging every 10 iterations and no checkpoints or validation in between, sampling resident memory, the
/// managed heap and the live tensors after 1,000, 2,000, 5,000, 10,000 and 20,000 iterations (a full collection
/// first). Memory flat after warm-up means nothing accumulates per iteration: RSS after 20,000 within 2% of RSS
/// after 1,000 and the live-tensor count constant. Each mark also records malloc's heap in use and free: libtorch's
/// freed tensor memory waits in glibc's arenas, and how much waits there at the instant of a sample moves RSS by a few
/// MiB either way (<see cref="NativeHeap"/>).
/// </summary>
internal static class RssBenchmark
{
    public static int Run(IHost host, string[] args)
    {
        int iterations = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 20000;
        string model = args.Length > 1 ? args[1] : "lenet5";
        MemoryProbeHook.Samples.Clear();
        MemoryProbeHook.IterMarks.Clear();
        foreach (var mark in new[] { 1000, 2000, 5000, 10000, 20000, iterations })
            if (mark <= iterations) MemoryProbeHook.IterMarks.Add(mark);

        using var tmp = new TempDir();
        var cfg = Config.Config.FromFile(Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
        string modelCfg = model == "mlp"
            ? "model=dict(_delete_=True, type='MLP', in_channels=784, hidden_channels=[256], num_classes=10, data_preprocessor=dict(type='ImgDataPreprocessor', mean=[33.33], std=[78.57]))"
            : "";
        cfg.MergeFromDict(Config.Config.FromString($"""
            train_cfg = dict(_delete_=True, by_epoch=False, max_iters={iterations})
            {modelCfg}
            val_dataloader = None
            val_cfg = None
            val_evaluator = None
            log_processor = dict(by_epoch=False)
            default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval={iterations * 10}, by_epoch=False, save_last=False))
            custom_hooks = [dict(type='bench.MemoryProbeHook')]
            """, ".py").Dict);
        cfg.MergeFromDict(Config.Config.ParseCfgOptions([$"work_dir={tmp.Path}", $"train_dataloader.dataset.data_root={RepoPaths.Mnist}"]));
        using (var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText))
            runner.Train();

        Console.WriteLine($"{(model == "mlp" ? "MLP 784-256-10" : "LeNet-5")}, MNIST sample, batch 64, iteration-based, {iterations} iterations, " +
            $"default hooks, {Environment.ProcessorCount} cores; {DotNetRuntimeSettings.Describe()}");
        Console.WriteLine();
        Console.WriteLine("| after iteration | RSS (MiB) | malloc in use (MiB) | malloc free (MiB) | managed heap (MiB) | GC committed (MiB) | live tensors |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in MemoryProbeHook.Samples)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {x.Epoch} | {x.RssMiB:F1} | {x.MallocInUseMiB:F1} | {x.MallocFreeMiB:F1} | {x.ManagedMiB:F1} | {x.CommittedMiB:F1} | {x.LiveTensors} |"));
        var s = MemoryProbeHook.Samples;
        if (s.Count >= 2)
        {
            var (first, last) = (s[0], s[^1]);
            Console.WriteLine();
            Console.WriteLine(Growth("RSS", first.Epoch, last.Epoch, first.RssMiB, last.RssMiB) + " (target within 2%)");
            Console.WriteLine(Growth("malloc in use", first.Epoch, last.Epoch, first.MallocInUseMiB, last.MallocInUseMiB));
            Console.WriteLine($"live tensors {first.LiveTensors} → {last.LiveTensors}");
        }
        return 0;
    }

    private static string Growth(string what, int from, int to, double a, double b) => string.Create(CultureInfo.InvariantCulture,
        $"{what} after {to} vs after {from}: {Math.Round(b - a, 1):+0.0;-0.0;+0.0} MiB ({Math.Round((b / a - 1) * 100, 2):+0.00;-0.00;+0.00}%)");
}
