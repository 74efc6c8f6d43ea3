using System.Diagnostics;
using Kiln.Evaluation;
using Kiln.Metrics;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// evalmemory [SAMPLES]: SAMPLES (default 1,000,000) predictions of 10 classes in batches of 1,000 through an
/// <see cref="Evaluator"/> with Accuracy (top-1, top-5) and SingleLabelMetric, as a val loop feeds it: each batch's
/// scores are a libtorch softmax inside a dispose scope, turned into plain arrays. Every 100,000 samples it prints
/// resident memory, the managed heap, live tensors and the results' bytes per sample; then Evaluate, and the same
/// after it has cleared the results. Live tensors stay at 0 and the heap grows only by the metrics' plain
/// per-sample results (MMEngine keeps every sample's result until evaluate), which Evaluate releases.
/// </summary>
internal static class EvalMemoryBenchmark
{
    public static int Run(string[] args)
    {
        int samples = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        const int batch = 1000, classes = 10, every = 100_000;
        torch.manual_seed(0);
        var evaluator = new Evaluator([new Accuracy(topk: [1, 5]), new SingleLabelMetric()]);
        var emptyBatch = new DataBatch([], []);
        var rows = new List<(string At, double Rss, double Heap, long Live, double BytesPerSample)>();
        double heap0 = Sample(out double rss0, out long live0);
        rows.Add(("start", rss0, heap0, live0, 0));
        var clock = Stopwatch.StartNew();
        for (int done = 0; done < samples; done += batch)
        {
            int n = Math.Min(batch, samples - done);
            using (var scope = torch.NewDisposeScope())
            {
                var scores = softmax(randn(n, classes), 1).contiguous().data<float>().ToArray();
                var labels = randint(0, classes, n).data<long>().ToArray();
                var batchSamples = new DataSample[n];
                for (int i = 0; i < n; i++)
                    batchSamples[i] = new DataSample { GtLabel = labels[i], PredScore = scores.AsSpan(i * classes, classes).ToArray() };
                evaluator.Process(batchSamples, emptyBatch);
            }
            if ((done + n) % every == 0)
            {
                double heap = Sample(out double rss, out long live);
                rows.Add(($"{done + n:N0}", rss, heap, live, (heap - heap0) * 1048576.0 / (done + n)));
            }
        }
        double processSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var metrics = evaluator.Evaluate(samples);
        double evaluateSeconds = clock.Elapsed.TotalSeconds;
        double heapAfter = Sample(out double rssAfter, out long liveAfter);
        rows.Add(("after Evaluate", rssAfter, heapAfter, liveAfter, 0));

        Console.WriteLine($"{samples:N0} samples × {classes} classes, batches of {batch}, Accuracy(topk=(1, 5)) + SingleLabelMetric, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| samples processed | RSS (MiB) | managed heap (MiB) | live tensors | results bytes/sample |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var (at, rss, heap, live, bps) in rows)
            Console.WriteLine($"| {at} | {rss:F1} | {heap:F1} | {live} | {(bps > 0 ? bps.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "")} |");
        Console.WriteLine();
        var perSample = rows.Skip(2).Take(rows.Count - 3).Select(r => r.BytesPerSample).Order().ToList();
        if (perSample.Count > 0)
            Console.WriteLine($"median results bytes/sample after warm-up: {perSample[perSample.Count / 2]:F0}; live tensors max {rows.Max(r => r.Live)}");
        Console.WriteLine($"process {processSeconds:F1} s ({samples / processSeconds:N0} samples/s), evaluate {evaluateSeconds:F2} s");
        foreach (var (k, v) in metrics) Console.WriteLine($"  {k}: {v:F4}");
        return 0;
    }

    /// <summary>Managed heap in MiB after a full collection; RSS in MiB and live TorchSharp tensors.</summary>
    private static double Sample(out double rssMiB, out long liveTensors)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        rssMiB = process.WorkingSet64 / 1048576.0;
        liveTensors = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        return GC.GetTotalMemory(false) / 1048576.0;
    }
}
