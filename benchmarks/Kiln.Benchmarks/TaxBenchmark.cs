using System.Diagnostics;
using System.Globalization;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.Models;
using Kiln.Structures;
using Kiln.TestKit;
using Kiln.Vision.Datasets;
using Kiln.Vision.Models;
using Microsoft.Extensions.Hosting;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>tax [ROUNDS] [FILTER]</c>: the framework tax. Kiln's Runner, built from the bundled LeNet-5 config (its MNIST
/// dataset, DefaultSampler, pseudo_collate, ImgDataPreprocessor, OptimWrapper and all six default hooks, logging every
/// 10 iterations, a checkpoint every epoch), against the loop a TorchSharp user writes by hand: the same model class,
/// the same 8,000 digits preloaded into one tensor, a shuffled index per epoch, index_select, normalise, forward,
/// cross-entropy, zero_grad, backward, step, and the loss read back every iteration (Kiln logs it). Same seed, batch
/// 64, optimizer (SGD lr 0.01, momentum 0.9) and libtorch thread count. For MLP 784-256-10 and LeNet-5, 1 and 2
/// threads, epoch- and iteration-based loops. After two untimed runs of each kind (tiered JIT), each cell alternates
/// hand-written and Kiln runs ROUNDS times (default 5) after one warm-up round; an iteration's time is the wall time
/// between the ends of consecutive iterations (data loading included). Each round pairs one run of each (in ABBA
/// order); the ratio is the median over rounds of Kiln's median iteration time over the hand loop's (the target),
/// with the range over rounds; the medians are over all measured iterations; the mean ratio (all iterations, all
/// rounds) also counts the logged iterations and the checkpoint saves.
/// <c>tax parts [mlp|lenet5]</c> swaps Kiln's pieces into the hand loop one at a time to show what each costs.
/// </summary>
internal static class TaxBenchmark
{
    /// <summary>Wall milliseconds of each iteration.</summary>
    internal sealed class Times
    {
        public List<double> Wall { get; } = [];

        private long _last = Stopwatch.GetTimestamp();

        public void Mark()
        {
            long now = Stopwatch.GetTimestamp();
            Wall.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
            _last = now;
        }

        public void Add(Times other) => Wall.AddRange(other.Wall);
    }

    private const int BatchSize = 64, Epochs = 2;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 7;
        string? only = args.Length > 1 ? args[1] : null;
        using var host = BenchHost.Create();
        var data = HandData.Load(RepoPaths.Mnist);
        int itersPerEpoch = data.Count / BatchSize + (data.Count % BatchSize == 0 ? 0 : 1);
        int defaultThreads = torch.get_num_threads();

        Console.WriteLine($"MNIST sample ({data.Count} training digits), batch {BatchSize}, {Epochs} epochs = {Epochs * itersPerEpoch} " +
            $"iterations per run, {rounds} measured rounds (+1 warm-up) per cell, hand-written and Kiln alternating, " +
            $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        // Tiered JIT: the engine's code is compiled at tier 0 first and recompiled optimised after it has run a while;
        // two untimed runs of each kind let that settle before anything is measured.
        torch.set_num_threads(1);
        for (int i = 0; i < 2; i++)
        {
            HandLoop("mlp", data, Epochs * itersPerEpoch);
            KilnRun(host, "mlp", 1, i == 0, Epochs, itersPerEpoch);
        }
        Console.WriteLine("| model | threads | loop | hand ms/iter | Kiln ms/iter | ratio | ratio range | mean ratio |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");
        var ratios = new List<double>();
        foreach (var model in new[] { "mlp", "lenet5" })
        foreach (var threads in new[] { 1, 2 })
        foreach (var byEpoch in new[] { true, false })
        {
            string loop = byEpoch ? "epoch" : "iter";
            if (only is not null && !$"{model}-{threads}-{loop}".Contains(only, StringComparison.Ordinal)) continue;
            torch.set_num_threads(threads);
            var hand = new Times();
            var kiln = new Times();
            var paired = new List<double>();
            for (int round = 0; round <= rounds; round++)
            {
                // ABBA order, so a drift in the machine's speed during a round affects both sides alike.
                Times h, k;
                if (round % 2 == 0)
                {
                    h = HandLoop(model, data, Epochs * itersPerEpoch);
                    k = KilnRun(host, model, threads, byEpoch, Epochs, itersPerEpoch);
                }
                else
                {
                    k = KilnRun(host, model, threads, byEpoch, Epochs, itersPerEpoch);
                    h = HandLoop(model, data, Epochs * itersPerEpoch);
                }
                if (round == 0) continue;   // warm-up: this model's and thread count's first calls
                hand.Add(h);
                kiln.Add(k);
                paired.Add(Stats.Median(k.Wall) / Stats.Median(h.Wall));
            }
            double ratio = Stats.Median(paired);
            double handMean = hand.Wall.Average(), kilnMean = kiln.Wall.Average();
            ratios.Add(ratio);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(model == "mlp" ? "MLP 784-256-10" : "LeNet-5")} | {threads} | {loop} | {Stats.Median(hand.Wall):F3} | {Stats.Median(kiln.Wall):F3} | " +
                $"{ratio:F3} | {paired.Min():F3}–{paired.Max():F3} | {kilnMean / handMean:F3} |"));
        }
        Console.WriteLine();
        if (ratios.Count > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"largest median ratio {ratios.Max():F3} (target <= 1.02); load average after {LoadAverage()}"));
        torch.set_num_threads(defaultThreads);
        return 0;
    }

    /// <summary>
    /// <c>tax parts [MODEL]</c>: where the difference comes from. The hand-written loop with Kiln's pieces swapped in
    /// one at a time (data loader, data preprocessor, loss-mode forward and parse_losses, OptimWrapper), median ms per
    /// iteration of each variant, so each step's cost is the difference to the row above.
    /// </summary>
    public static int Parts(string[] args)
    {
        string model = args.Length > 0 ? args[0] : "mlp";
        int rounds = 3;
        using var host = BenchHost.Create();
        var data = HandData.Load(RepoPaths.Mnist);
        int iterations = Epochs * (data.Count / BatchSize + (data.Count % BatchSize == 0 ? 0 : 1));
        torch.set_num_threads(1);
        var loaderCfg = Config.Config.FromString($"""
            loader = dict(batch_size={BatchSize}, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='vision.MNIST', data_root=r'{RepoPaths.Mnist}', test_mode=False))
            """, ".py");
        var names = new[] { "hand-written", "+ Kiln DataLoader", "+ ImgDataPreprocessor", "+ loss-mode forward, ParseLosses", "+ OptimWrapper.UpdateParams", "Kiln Runner, default_hooks all None", "Kiln Runner" };
        var results = names.Select(_ => new Times()).ToArray();
        for (int round = 0; round <= rounds; round++)
        {
            var runs = new Times[names.Length];
            runs[0] = HandLoop(model, data, iterations);
            for (int level = 1; level <= 4; level++) runs[level] = Hybrid(host, model, loaderCfg, level, iterations);
            runs[5] = KilnRun(host, model, 1, true, Epochs, iterations / Epochs, defaultHooks: false);
            runs[6] = KilnRun(host, model, 1, true, Epochs, iterations / Epochs);
            if (round == 0) continue;
            for (int i = 0; i < names.Length; i++) results[i].Add(runs[i]);
        }
        Console.WriteLine($"{model}, 1 thread, {iterations} iterations per run, {rounds} rounds (+1 warm-up)");
        Console.WriteLine();
        Console.WriteLine("| variant | median ms/iter | step µs |");
        Console.WriteLine("|---|---:|---:|");
        for (int i = 0; i < names.Length; i++)
        {
            double wall = Stats.Median(results[i].Wall);
            double dWall = i == 0 ? 0 : (wall - Stats.Median(results[i - 1].Wall)) * 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[i]} | {wall:F3} | {dWall:F0} |"));
        }
        return 0;
    }

    private static Times Hybrid(IHost host, string modelName, Config.Config loaderCfg, int level, int iterations)
    {
        torch.manual_seed(0);
        using var model = NewModel(modelName);
        var preprocessor = new ImgDataPreprocessor([33.33], [78.57]);
        model.train();
        var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var wrapper = new Optim.OptimWrapper(optimizer);
        using var loader = Runner.BuildDataloader((ConfigDict)loaderCfg.Dict["loader"]!, host.Services, seed: 0);
        double lossSum = 0;
        var times = new Times();
        int done = 0;
        while (done < iterations)
        {
            foreach (var batch in loader)
            {
                if (done++ >= iterations) break;
                using (var scope = NewDisposeScope())
                {
                    Tensor x;
                    if (level >= 2) x = preprocessor.Forward(batch, true).Inputs;
                    else x = stack(batch.Inputs.Cast<Tensor>()).to(float32).sub_(33.33).div_(78.57);
                    Tensor loss;
                    if (level >= 3)
                    {
                        var losses = model.Forward(x, batch.DataSamples.Select(s => s!).ToList(), ForwardMode.Loss).Losses!;
                        (loss, var logVars) = model.ParseLosses(losses);
                        lossSum += logVars["loss"];
                    }
                    else
                    {
                        var y = tensor(batch.DataSamples.Select(s => s!.GtLabel!.Value).ToArray());
                        loss = nn.functional.cross_entropy(model.Forward(x, Array.Empty<DataSample>(), ForwardMode.Tensor).Raw!, y);
                        lossSum += loss.item<float>();
                    }
                    if (level >= 4) wrapper.UpdateParams(loss);
                    else
                    {
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                    }
                }
                times.Mark();
            }
        }
        GC.KeepAlive(lossSum);
        return times;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static BaseModel NewModel(string model) => model == "mlp" ? new Mlp(784, [256], 10) : new LeNet5(10);

    /// <summary>The training set as a TorchSharp user would hold it: one uint8 image tensor and one label tensor.</summary>
    internal sealed record HandData(Tensor Images, Tensor Labels, int Count)
    {
        public static HandData Load(string root)
        {
            var mnist = new Mnist(root, testMode: false);
            var (images, samples) = mnist.GetBatch([.. Enumerable.Range(0, mnist.Count)]);
            images.DetachFromDisposeScope();
            return new HandData(images, tensor(samples.Select(s => s.GtLabel!.Value).ToArray()), mnist.Count);
        }
    }

    /// <summary>The hand-written loop. Returns the time of every iteration in ms.</summary>
    private static Times HandLoop(string modelName, HandData data, int iterations)
    {
        torch.manual_seed(0);
        using var model = NewModel(modelName);
        model.train();
        using var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var generator = new Generator(0);
        var empty = Array.Empty<DataSample>();
        double lossSum = 0;
        var times = new Times();
        int done = 0;
        while (done < iterations)
        {
            using var perm = randperm(data.Count, generator: generator);
            for (int start = 0; start < data.Count && done < iterations; start += BatchSize, done++)
            {
                using (var scope = NewDisposeScope())
                {
                    var index = perm.narrow(0, start, Math.Min(BatchSize, data.Count - start));
                    var x = data.Images.index_select(0, index).to(float32).sub_(33.33).div_(78.57);
                    var y = data.Labels.index_select(0, index);
                    var logits = model.Forward(x, empty, ForwardMode.Tensor).Raw!;
                    var loss = nn.functional.cross_entropy(logits, y);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                }
                times.Mark();
            }
        }
        GC.KeepAlive(lossSum);
        return times;
    }

    /// <summary>The same training by Kiln's Runner from the bundled config. Returns the time of every iteration in ms.</summary>
    private static Times KilnRun(IHost host, string model, int threads, bool byEpoch, int epochs, int itersPerEpoch, bool defaultHooks = true)
    {
        using var tmp = new TempDir();
        var cfg = Config.Config.FromFile(Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
        string trainCfg = byEpoch
            ? $"train_cfg=dict(_delete_=True, by_epoch=True, max_epochs={epochs})"
            : $"train_cfg=dict(_delete_=True, by_epoch=False, max_iters={epochs * itersPerEpoch})";
        string modelCfg = model == "mlp"
            ? "model=dict(_delete_=True, type='MLP', in_channels=784, hidden_channels=[256], num_classes=10, data_preprocessor=dict(type='ImgDataPreprocessor', mean=[33.33], std=[78.57]))"
            : "";
        var overrides = Config.Config.FromString($"""
            {trainCfg}
            {modelCfg}
            val_dataloader = None
            val_cfg = None
            val_evaluator = None
            test_dataloader = None
            test_cfg = None
            test_evaluator = None
            log_processor = dict(by_epoch={(byEpoch ? "True" : "False")})
            default_hooks = {(defaultHooks ? $"dict(checkpoint=dict(type='CheckpointHook', interval={(byEpoch ? 1 : itersPerEpoch)}, by_epoch={(byEpoch ? "True" : "False")}))" : "dict(_delete_=True, runtime_info=None, timer=None, sampler_seed=None, logger=None, param_scheduler=None, checkpoint=None)")}
            env_cfg = dict(num_threads={threads})
            custom_hooks = [dict(type='bench.IterTimeHook')]
            """, ".py");
        cfg.MergeFromDict(overrides.Dict);
        cfg.MergeFromDict(Config.Config.ParseCfgOptions([$"work_dir={tmp.Path}", $"train_dataloader.dataset.data_root={RepoPaths.Mnist}"]));
        IterTimeHook.Clear();
        using (var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText))
            runner.Train();
        var times = new Times();
        times.Wall.AddRange(IterTimeHook.Milliseconds);
        return times;
    }
}
