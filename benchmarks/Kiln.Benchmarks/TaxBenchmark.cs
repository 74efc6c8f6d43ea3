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

        /// <summary>Starts the next iteration's clock now (when something else ran since the last mark).</summary>
        public void Restart() => _last = Stopwatch.GetTimestamp();

        public void Add(Times other) => Wall.AddRange(other.Wall);
    }

    private const int BatchSize = 64, Epochs = 2;

    public static int Run(string[] args)
    {
        bool separate = args.Contains("--separate");
        args = args.Where(a => a != "--separate").ToArray();
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 7;
        string? only = args.Length > 1 ? args[1] : null;
        using var host = BenchHost.Create();
        var data = HandData.Load(RepoPaths.Mnist);
        int itersPerEpoch = data.Count / BatchSize + (data.Count % BatchSize == 0 ? 0 : 1);
        int defaultThreads = torch.get_num_threads();

        Console.WriteLine($"MNIST sample ({data.Count} training digits), batch {BatchSize}, {Epochs} epochs = {Epochs * itersPerEpoch} " +
            $"iterations per run, {rounds} measured rounds (+1 warm-up) per cell, " +
            (separate ? "hand-written and Kiln runs alternating (ABBA)" : "a hand-written iteration after every Kiln iteration") +
            $", {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        // Tiered JIT: the engine's code is compiled at tier 0 first and recompiled optimised after it has run a while;
        // two untimed runs of each kind let that settle before anything is measured.
        torch.set_num_threads(1);
        for (int i = 0; i < 2; i++)
        {
            HandLoop("mlp", data, Epochs * itersPerEpoch);
            PairedRun(host, "mlp", data, 1, i == 0, itersPerEpoch);
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
                Times h, k;
                if (!separate) (k, h) = PairedRun(host, model, data, threads, byEpoch, itersPerEpoch);
                // ABBA order, so a drift in the machine's speed during a round affects both sides alike.
                else if (round % 2 == 0)
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
    /// one at a time (data loader, data preprocessor, loss-mode forward and parse_losses, OptimWrapper), then Kiln's
    /// Runner without and with the default hooks. Each variant runs interleaved with the hand-written loop (one
    /// iteration of each in turn), so its extra µs per iteration is the difference of their medians measured under
    /// the same machine state; each step's cost is the difference to the row above.
    /// </summary>
    public static int Parts(string[] args)
    {
        string model = args.Length > 0 ? args[0] : "mlp";
        int rounds = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) ? r : 5;
        using var host = BenchHost.Create();
        var data = HandData.Load(RepoPaths.Mnist);
        int itersPerEpoch = data.Count / BatchSize + (data.Count % BatchSize == 0 ? 0 : 1);
        int iterations = Epochs * itersPerEpoch;
        torch.set_num_threads(1);
        var loaderCfg = Config.Config.FromString($"""
            loader = dict(batch_size={BatchSize}, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='vision.MNIST', data_root=r'{RepoPaths.Mnist}', test_mode=False))
            """, ".py");
        var names = new[] { "+ Kiln DataLoader", "+ ImgDataPreprocessor", "+ loss-mode forward, ParseLosses", "+ OptimWrapper.UpdateParams", "Kiln Runner, default_hooks all None", "Kiln Runner" };
        var extra = names.Select(_ => new List<double>()).ToArray();
        var allocated = names.Select(_ => new List<double>()).ToArray();
        var handMs = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            for (int v = 0; v < names.Length; v++)
            {
                Times variant, hand;
                double bytes;
                if (v < 4)
                {
                    using var h = new HandStepper(model, data);
                    using var hybrid = new HybridStepper(host, model, loaderCfg, v + 1);
                    (variant, hand) = (new Times(), new Times());
                    for (int i = 0; i < iterations; i++)
                    {
                        variant.Restart();
                        hybrid.Step();
                        variant.Mark();
                        hand.Restart();
                        h.Step();
                        hand.Mark();
                    }
                    bytes = hybrid.AllocatedBytes / (double)iterations;
                }
                else
                {
                    (variant, hand) = PairedRun(host, model, data, 1, true, itersPerEpoch, defaultHooks: v == 5);
                    bytes = PairedHandHook.KilnAllocatedBytes / (double)iterations;
                }
                if (round == 0) continue;
                extra[v].Add((Stats.Median(variant.Wall) - Stats.Median(hand.Wall)) * 1000);
                allocated[v].Add(bytes);
                handMs.Add(Stats.Median(hand.Wall));
            }
        }
        Console.WriteLine($"{model}, 1 thread, {iterations} iterations per run, each variant interleaved with the hand-written loop, {rounds} rounds (+1 warm-up)");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hand-written loop: median {Stats.Median(handMs):F3} ms per iteration"));
        Console.WriteLine();
        Console.WriteLine("| variant | µs over the hand loop (median of rounds) | step µs | managed bytes allocated per iteration | each round, µs |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        for (int i = 0; i < names.Length; i++)
        {
            double over = Stats.Median(extra[i]);
            double step = i == 0 ? over : over - Stats.Median(extra[i - 1]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[i]} | {over:F1} | {step:F1} | {Stats.Median(allocated[i]):F0} | {string.Join(" ", extra[i].Select(e => e.ToString("F0", CultureInfo.InvariantCulture)))} |"));
        }
        return 0;
    }

    /// <summary>
    /// <c>tax data</c>: the data path alone, µs per batch: the hand loop's shuffled index, index_select of images and
    /// labels, against Kiln's DataLoader (DefaultSampler, the MNIST dataset's whole-batch read, the data samples) and
    /// the label tensor a model builds from the data samples. Median over rounds of the mean over two epochs.
    /// </summary>
    public static int Data(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 15;
        using var host = BenchHost.Create();
        var data = HandData.Load(RepoPaths.Mnist);
        torch.set_num_threads(1);
        var loaderCfg = Config.Config.FromString($"""
            loader = dict(batch_size={BatchSize}, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='vision.MNIST', data_root=r'{RepoPaths.Mnist}', test_mode=False))
            """, ".py");
        using var loader = Runner.BuildDataloader((ConfigDict)loaderCfg.Dict["loader"]!, host.Services, seed: 0);
        var generator = new Generator(0);
        var hand = new List<double>();
        var kiln = new List<double>();
        var kilnLabels = new List<double>();
        long sink = 0;
        for (int round = 0; round <= rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            int batches = 0;
            for (int epoch = 0; epoch < Epochs; epoch++)
            {
                using var perm = randperm(data.Count, generator: generator);
                for (int first = 0; first < data.Count; first += BatchSize, batches++)
                {
                    using var scope = NewDisposeScope();
                    var index = perm.narrow(0, first, Math.Min(BatchSize, data.Count - first));
                    var x = data.Images.index_select(0, index);
                    var y = data.Labels.index_select(0, index);
                    sink += x.shape[0] + y.shape[0];
                }
            }
            double handUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batches;
            foreach (bool labels in new[] { false, true })
            {
                start = Stopwatch.GetTimestamp();
                batches = 0;
                for (int epoch = 0; epoch < Epochs; epoch++)
                {
                    loader.Sampler.SetEpoch(epoch);
                    foreach (var batch in loader)
                    {
                        using var scope = NewDisposeScope();
                        batches++;
                        sink += batch.Count;
                        if (labels) sink += DataSample.GtLabelTensor(batch.DataSamples, "bench").shape[0];
                        (batch.StackedInputs as Tensor)?.Dispose();
                    }
                }
                double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batches;
                if (round > 0) (labels ? kilnLabels : kiln).Add(us);
            }
            if (round > 0) hand.Add(handUs);
        }
        GC.KeepAlive(sink);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| data path, µs per batch of {BatchSize} | hand-written | Kiln DataLoader | + labels from data samples |\n|---|---:|---:|---:|\n| median of {rounds} rounds | {Stats.Median(hand):F1} | {Stats.Median(kiln):F1} | {Stats.Median(kilnLabels):F1} |"));
        return 0;
    }

    /// <summary>The hand-written loop with Kiln's pieces up to <c>level</c> swapped in (see <see cref="Parts"/>), one iteration per <see cref="Step"/>.</summary>
    private sealed class HybridStepper : IDisposable
    {
        private readonly BaseModel _model;
        private readonly ImgDataPreprocessor _preprocessor = new([33.33], [78.57]);
        private readonly optim.Optimizer _optimizer;
        private readonly Optim.OptimWrapper _wrapper;
        private readonly Data.DataLoader _loader;
        private readonly int _level;
        private IEnumerator<DataBatch>? _batches;
        private double _lossSum;

        public HybridStepper(IHost host, string modelName, Config.Config loaderCfg, int level)
        {
            torch.manual_seed(0);
            _model = NewModel(modelName);
            _model.train();
            _optimizer = optim.SGD(_model.parameters(), 0.01, momentum: 0.9);
            _wrapper = new Optim.OptimWrapper(_optimizer);
            _loader = Runner.BuildDataloader((ConfigDict)loaderCfg.Dict["loader"]!, host.Services, seed: 0);
            _level = level;
        }

        /// <summary>Managed bytes this stepper's iterations allocated.</summary>
        public long AllocatedBytes { get; private set; }

        public void Step()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (var scope = NewDisposeScope())
            {
                if (_batches is null || !_batches.MoveNext())
                {
                    _batches?.Dispose();
                    _batches = _loader.GetEnumerator();
                    _batches.MoveNext();
                }
                var batch = _batches.Current;
                var pre = _level >= 2 ? _preprocessor.Forward(batch, true) : null;
                var x = pre?.Inputs ?? ((Tensor)batch.StackedInputs!).to(float32).sub_(33.33).div_(78.57);
                Tensor loss;
                if (_level >= 3)
                {
                    var losses = _model.Forward(x, pre!.DataSamples, ForwardMode.Loss).Losses!;
                    (loss, var logVars) = _model.ParseLosses(losses);
                    _lossSum += logVars["loss"];
                }
                else
                {
                    var y = DataSample.GtLabelTensor(batch.DataSamples, "hand");
                    loss = nn.functional.cross_entropy(_model.Forward(x, Array.Empty<DataSample>(), ForwardMode.Tensor).Raw!, y);
                    _lossSum += loss.item<float>();
                }
                if (_level >= 4) _wrapper.UpdateParams(loss);
                else
                {
                    _optimizer.zero_grad();
                    loss.backward();
                    _optimizer.step();
                }
            }
            AllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        public void Dispose()
        {
            _batches?.Dispose();
            _loader.Dispose();
            _optimizer.Dispose();
            _model.Dispose();
        }
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
        using var hand = new HandStepper(modelName, data);
        var times = new Times();
        for (int i = 0; i < iterations; i++)
        {
            hand.Step();
            times.Mark();
        }
        return times;
    }

    /// <summary>
    /// The hand-written training loop one iteration at a time: a shuffled index per epoch (randperm), index_select of
    /// images and labels, normalise, forward, cross-entropy, zero_grad, backward, step, the loss read back.
    /// </summary>
    internal sealed class HandStepper : IDisposable
    {
        private readonly BaseModel _model;
        private readonly optim.Optimizer _optimizer;
        private readonly HandData _data;
        private readonly Generator _generator = new(0);
        private readonly DataSample[] _empty = [];
        private Tensor? _perm;
        private int _start;

        public HandStepper(string modelName, HandData data)
        {
            torch.manual_seed(0);
            _model = NewModel(modelName);
            _model.train();
            _optimizer = optim.SGD(_model.parameters(), 0.01, momentum: 0.9);
            _data = data;
        }

        public double LossSum { get; private set; }

        public void Step()
        {
            if (_perm is null || _start >= _data.Count)
            {
                _perm?.Dispose();
                _perm = randperm(_data.Count, generator: _generator).DetachFromDisposeScope();
                _start = 0;
            }
            using (NewDisposeScope())
            {
                var index = _perm.narrow(0, _start, Math.Min(BatchSize, _data.Count - _start));
                var x = _data.Images.index_select(0, index).to(float32).sub_(33.33).div_(78.57);
                var y = _data.Labels.index_select(0, index);
                var logits = _model.Forward(x, _empty, ForwardMode.Tensor).Raw!;
                var loss = nn.functional.cross_entropy(logits, y);
                _optimizer.zero_grad();
                loss.backward();
                _optimizer.step();
                LossSum += loss.item<float>();
            }
            _start += BatchSize;
        }

        public void Dispose()
        {
            _perm?.Dispose();
            _optimizer.Dispose();
            _model.Dispose();
            _generator.Dispose();
        }
    }

    /// <summary>The same training by Kiln's Runner from the bundled config. Returns the time of every iteration in ms.</summary>
    private static Times KilnRun(IHost host, string model, int threads, bool byEpoch, int epochs, int itersPerEpoch, bool defaultHooks = true,
        HandStepper? paired = null)
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
            custom_hooks = [{(paired is null ? "dict(type='bench.IterTimeHook')" : "dict(type='bench.PairedHandHook', priority='LOWEST')")}]
            """, ".py");
        cfg.MergeFromDict(overrides.Dict);
        cfg.MergeFromDict(Config.Config.ParseCfgOptions([$"work_dir={tmp.Path}", $"train_dataloader.dataset.data_root={RepoPaths.Mnist}"]));
        IterTimeHook.Clear();
        PairedHandHook.Clear();
        PairedHandHook.Hand = paired;
        using (var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText))
            runner.Train();
        var times = new Times();
        if (paired is not null)
        {
            times.Wall.AddRange(PairedHandHook.KilnMilliseconds);
            PairedHandHook.Hand = null;
            return times;
        }
        times.Wall.AddRange(IterTimeHook.Milliseconds);
        return times;
    }

    /// <summary>One Kiln run with the hand-written loop interleaved (<see cref="PairedHandHook"/>): Kiln's and the hand loop's iteration times.</summary>
    private static (Times Kiln, Times Hand) PairedRun(IHost host, string model, HandData data, int threads, bool byEpoch, int itersPerEpoch, bool defaultHooks = true)
    {
        using var hand = new HandStepper(model, data);
        var kiln = KilnRun(host, model, threads, byEpoch, Epochs, itersPerEpoch, defaultHooks, paired: hand);
        var handTimes = new Times();
        handTimes.Wall.AddRange(PairedHandHook.HandMilliseconds);
        return (kiln, handTimes);
    }
}
