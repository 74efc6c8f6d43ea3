using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Kiln.Data;
using Kiln.Datasets;
using Kiln.Randomness;
using Kiln.Structures;
using Kiln.TestKit;
using Kiln.Vision.Datasets;
using Kiln.Vision.Transforms;
using TorchSharp;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>dataloader [ROUNDS]</c>: a CPU-bound pipeline (decode a 32×32 PNG, RandomCrop(32, padding=4), RandomFlip,
/// Normalize, PackInputs; batches of 64 stacked by default_collate) over 1,024 images generated at start, in
/// batches per second for num_workers 0, 1, 2 (median of ROUNDS epochs, default 5); then 20 epochs with two
/// persistent workers, printing resident memory, managed heap and live tensors after each.
/// </summary>
internal static class DataLoaderBenchmark
{
    private const int Images = 1024;
    private const int BatchSize = 64;

    /// <summary>Records each loading thread's live-tensor count (TorchSharp counts per thread).</summary>
    private sealed class Probed(IDataset inner) : IDataset
    {
        public static readonly ConcurrentDictionary<int, long> WorkerLive = new();
        public int Count => inner.Count;
        public IReadOnlyDictionary<string, object?> MetaInfo => inner.MetaInfo;
        public Sample Get(int index)
        {
            var sample = inner.Get(index);
            WorkerLive[Environment.CurrentManagedThreadId] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            return sample;
        }
    }

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 5;
        using var tmp = new TempDir();
        var random = new Random(0);
        for (int i = 0; i < Images; i++)
        {
            string dir = tmp.Combine("train", $"class_{i % 10}");
            Directory.CreateDirectory(dir);
            var img = new Image(32, 32, 3);
            for (int k = 0; k < img.Data.Length; k++) img.Data[k] = random.Next(256);
            File.WriteAllBytes(Path.Combine(dir, $"{i:D5}.png"), img.EncodePng());
        }
        KilnRandom.SetSeed(0);
        ITransform[] pipeline =
        [
            new LoadImageFromFile(), new RandomCrop([32], padding: [4]), new RandomFlip(0.5),
            new Normalize([125.3, 123.0, 113.9], [63.0, 62.1, 66.7]), new PackInputs(),
        ];
        var dataset = new Probed(new ImageFolder(tmp.Path, dataPrefix: "train", pipeline: pipeline));
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

        Console.WriteLine($"DataLoader: {Images} PNG images 32x32, LoadImageFromFile -> RandomCrop(32, padding=4) -> RandomFlip -> Normalize -> PackInputs, " +
            $"batch {BatchSize}, default_collate; {Environment.ProcessorCount} cores; load average before: {load}");
        Console.WriteLine();
        Console.WriteLine("| num_workers | batches/s (median) | min | max | vs 0 workers |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        double? baseline = null;
        foreach (int workers in new[] { 0, 1, 2 })
        {
            using var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: true, seed: 0), BatchSize, numWorkers: workers,
                collate: Collate.DefaultCollate, persistentWorkers: workers > 0);
            Epoch(loader, 0);   // warm-up: JIT, page cache, thread start
            var rates = new List<double>();
            for (int k = 0; k < rounds; k++)
            {
                var sw = Stopwatch.StartNew();
                int batches = Epoch(loader, k + 1);
                rates.Add(batches / sw.Elapsed.TotalSeconds);
            }
            rates.Sort();
            double median = rates[rates.Count / 2];
            baseline ??= median;
            Console.WriteLine($"| {workers} | {median:F1} | {rates[0]:F1} | {rates[^1]:F1} | {median / baseline:F2}x |");
        }
        string loadAfter = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        Console.WriteLine();
        Console.WriteLine($"load average after: {loadAfter}");

        Console.WriteLine();
        Console.WriteLine("Memory over 20 epochs, 2 persistent workers (after a full GC each epoch; live tensors = TorchSharp's per-thread counts summed over the consumer and the two workers, each worker's read after its latest sample, so it omits that sample's batch tensors)");
        Console.WriteLine();
        Console.WriteLine("| epoch | RSS (MiB) | managed heap (MiB) | live tensors |");
        Console.WriteLine("|---:|---:|---:|---:|");
        using (var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: true, seed: 0), BatchSize, numWorkers: 2,
            collate: Collate.DefaultCollate, persistentWorkers: true))
        {
            var samples = new List<(double Rss, long Live)>();
            // Count from here: forget the threads of the loaders above, and the consumer's count so far (it disposes
            // tensors that workers created, so per-thread counts only add up over the threads of one run).
            Probed.WorkerLive.Clear();
            long consumerBaseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int epoch = 0; epoch < 20; epoch++)
            {
                Epoch(loader, epoch);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var process = Process.GetCurrentProcess();
                process.Refresh();
                long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount - consumerBaseline + Probed.WorkerLive.Values.Sum();
                double rss = process.WorkingSet64 / 1048576.0;
                samples.Add((rss, live));
                Console.WriteLine($"| {epoch + 1} | {rss:F1} | {GC.GetTotalMemory(false) / 1048576.0:F1} | {live} |");
            }
            Console.WriteLine();
            Console.WriteLine($"epochs 2..20: RSS {samples[^1].Rss - samples[1].Rss:+0.0;-0.0} MiB, live tensors {samples[^1].Live - samples[1].Live:+0;-0}");
        }
        return 0;
    }

    /// <summary>One pass, each batch inside its own dispose scope as the training loops do; returns the batch count.</summary>
    private static int Epoch(DataLoader loader, int epoch)
    {
        loader.Sampler.SetEpoch(epoch);
        int batches = 0;
        using var e = loader.GetEnumerator();
        while (true)
        {
            using var scope = torch.NewDisposeScope();
            if (!e.MoveNext()) break;
            _ = ((torch.Tensor)e.Current.StackedInputs!).shape;
            batches++;
        }
        return batches;
    }
}
