using System.Diagnostics;
using System.Globalization;
using Kiln.Evaluation;
using Kiln.Metrics;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// evalmemory [SAMPLES] [--keep]: SAMPLES (default 1,000,000) predictions of 10 classes, each with a 3×4×4 image
/// pair, in batches of 1,000 through an <see cref="Evaluator"/> with Accuracy (top-1, top-5), SingleLabelMetric,
/// ConfusionMatrix and MSE, as a val loop feeds it: each batch's scores, labels and images come from libtorch inside a
/// dispose scope and are turned into plain arrays. At 10k, 100k, 250k, 500k and 1M samples it prints resident memory,
/// the managed heap, live tensors and the results the metrics hold; then Evaluate. The metrics stream their results
/// into accumulators (<see cref="BaseMetric.Streaming"/>), so memory stays flat; <c>--keep</c> sets
/// <c>Streaming = false</c> on every metric (MMEngine's way: every result kept until evaluate) for comparison.
/// </summary>
internal static class EvalMemoryBenchmark
{
    public static int Run(string[] args)
    {
        bool keep = args.Contains("--keep");
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        int samples = numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 1_000_000;
        if (args.Contains("--loop")) return RunLoop(samples, keep);
        const int batch = 1000, classes = 10, channels = 3, side = 4, pixels = channels * side * side;
        int[] marks = [10_000, 100_000, 250_000, 500_000, 1_000_000];
        torch.manual_seed(0);
        var metrics = new BaseMetric[] { new Accuracy(topk: [1, 5]), new SingleLabelMetric(), new ConfusionMatrix(), new MeanSquaredError() };
        if (keep) foreach (var m in metrics) m.Streaming = false;
        var evaluator = new Evaluator(metrics);
        var emptyBatch = new DataBatch([], []);
        var rows = new List<(string At, long Done, double Rss, double Heap, long Live, long Held)>();
        double heap0 = Sample(out double rss0, out long live0);
        rows.Add(("start", 0, rss0, heap0, live0, 0));
        var clock = Stopwatch.StartNew();
        for (int done = 0; done < samples; done += batch)
        {
            int n = Math.Min(batch, samples - done);
            using (var scope = torch.NewDisposeScope())
            {
                var scores = softmax(randn(n, classes), 1).contiguous().data<float>().ToArray();
                var labels = randint(0, classes, n).data<long>().ToArray();
                var gt = randint(0, 256, [n, pixels]).to_type(ScalarType.Float32);
                var pred = (gt + randint(-8, 9, [n, pixels])).clamp(0, 255);
                var gtPixels = gt.contiguous().data<float>().ToArray();
                var predPixels = pred.contiguous().data<float>().ToArray();
                var batchSamples = new DataSample[n];
                for (int i = 0; i < n; i++)
                {
                    var s = new DataSample { GtLabel = labels[i], PredScore = scores.AsSpan(i * classes, classes).ToArray() };
                    var gtImg = new float[channels, side, side];
                    var predImg = new float[channels, side, side];
                    Buffer.BlockCopy(gtPixels, i * pixels * sizeof(float), gtImg, 0, pixels * sizeof(float));
                    Buffer.BlockCopy(predPixels, i * pixels * sizeof(float), predImg, 0, pixels * sizeof(float));
                    s.Set("gt_img", gtImg);
                    s.Set("pred_img", predImg);
                    batchSamples[i] = s;
                }
                evaluator.Process(batchSamples, emptyBatch);
            }
            int now = done + n;
            if (marks.Contains(now) || (now == samples && !marks.Contains(samples)))
            {
                double heap = Sample(out double rss, out long live);
                rows.Add(($"{now:N0}", now, rss, heap, live, metrics.Sum(m => (long)m.ResultCount)));
            }
        }
        double processSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var values = evaluator.Evaluate(samples);
        double evaluateSeconds = clock.Elapsed.TotalSeconds;
        double heapAfter = Sample(out double rssAfter, out long liveAfter);
        rows.Add(("after Evaluate", -1, rssAfter, heapAfter, liveAfter, metrics.Sum(m => (long)m.ResultCount)));

        Console.WriteLine($"{samples:N0} samples × {classes} classes + a {channels}×{side}×{side} image pair, batches of {batch}, "
            + $"Accuracy(topk=(1, 5)) + SingleLabelMetric + ConfusionMatrix + MSE, {(keep ? "kept results (Streaming = false)" : "streaming accumulators")}, "
            + $"{Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| samples processed | RSS (MiB) | managed heap (MiB) | live tensors | results held |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var (at, _, rss, heap, live, held) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {at} | {rss:F1} | {heap:F1} | {live} | {held:N0} |"));
        Console.WriteLine();
        var measured = rows.Where(r => r.Done > 0).ToList();
        var from = measured.FirstOrDefault(r => r.Done == 100_000);
        var to = measured.LastOrDefault();
        if (from.Done > 0 && to.Done > from.Done)
        {
            double perSampleHeap = (to.Heap - from.Heap) * 1048576.0 / (to.Done - from.Done);
            double perSampleRss = (to.Rss - from.Rss) * 1048576.0 / (to.Done - from.Done);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"growth from {from.Done:N0} to {to.Done:N0} samples: RSS {to.Rss - from.Rss:+0.0;-0.0;+0.0} MiB ({100 * (to.Rss - from.Rss) / from.Rss:+0.00;-0.00;+0.00} %, "
                + $"{perSampleRss:F2} B/sample), managed heap {to.Heap - from.Heap:+0.00;-0.00;+0.00} MiB ({perSampleHeap:F2} B/sample); live tensors max {rows.Max(r => r.Live)}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"process {processSeconds:F1} s ({samples / processSeconds:N0} samples/s), evaluate {evaluateSeconds:F3} s"));
        foreach (var (k, v) in values) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {k}: {v:G6}"));
        var matrix = ((ConfusionMatrix)metrics[2]).Result!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  confusion matrix: {matrix.GetLength(0)}×{matrix.GetLength(1)}, {matrix.Cast<long>().Sum():N0} samples"));
        return 0;
    }

    /// <summary>
    /// <c>--loop</c>: the same four metrics as <c>val_evaluator</c> of a Runner whose <c>runner.Val()</c> runs the real
    /// <see cref="Loops.ValLoop"/> over <see cref="EvalBenchDataset"/> (samples made from their index) with
    /// <see cref="EvalBenchModel"/>, batches of 1,000 through the DataLoader, the default hooks (logger every 100
    /// iterations) and <see cref="EvalMemoryProbeHook"/> recording memory after the marked iterations.
    /// </summary>
    private static int RunLoop(int samples, bool keep)
    {
        const int batch = 1000;
        EvalMemoryProbeHook.BatchSize = batch;
        foreach (long mark in new long[] { 10_000, 100_000, 250_000, 500_000, 1_000_000, samples }) EvalMemoryProbeHook.Marks.Add(mark);
        using var host = BenchHost.Create(new MetricsPlugin());
        using var tmp = new TestKit.TempDir();
        var cfg = Config.Config.FromString($$"""
            default_scope = 'bench'
            work_dir = r'{{tmp.Path}}'
            model = dict(type='EvalBenchModel')
            val_dataloader = dict(dataset=dict(type='EvalBenchDataset', size={{samples}}), sampler=dict(type='DefaultSampler', shuffle=False), batch_size={{batch}}, num_workers=0)
            val_cfg = dict()
            default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
            custom_hooks = [dict(type='EvalMemoryProbeHook')]
            randomness = dict(seed=0)
            """, ".py").Dict;
        var metrics = new BaseMetric[] { new Accuracy(topk: [1, 5]), new SingleLabelMetric(), new ConfusionMatrix(), new MeanSquaredError() };
        if (keep) foreach (var m in metrics) m.Streaming = false;
        cfg["val_evaluator"] = metrics.Cast<object?>().ToList();
        double heap0 = EvalMemoryProbeHook.Measure(out double rss0);
        long live0 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> values;
        using (var runner = Runner.FromConfig(cfg, host.Services))
            values = runner.Val();
        double seconds = clock.Elapsed.TotalSeconds;
        double heapAfter = EvalMemoryProbeHook.Measure(out double rssAfter);
        long liveAfter = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Console.WriteLine($"runner.Val(): ValLoop over {samples:N0} generated samples (10 features, 10 classes, a 3×4×4 image), Linear(10, 10), batches of {batch}, "
            + $"Accuracy(topk=(1, 5)) + SingleLabelMetric + ConfusionMatrix + MSE, {(keep ? "kept results (Streaming = false)" : "streaming accumulators")}, "
            + $"{Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| samples processed | RSS (MiB) | managed heap (MiB) | live tensors |");
        Console.WriteLine("|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| before the Runner | {rss0:F1} | {heap0:F1} | {live0} |"));
        foreach (var (done, rss, heap, live) in EvalMemoryProbeHook.Samples)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {done:N0} | {rss:F1} | {heap:F1} | {live} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| after Val | {rssAfter:F1} | {heapAfter:F1} | {liveAfter} |"));
        Console.WriteLine();
        var from = EvalMemoryProbeHook.Samples.FirstOrDefault(r => r.Done == 100_000);
        var to = EvalMemoryProbeHook.Samples.LastOrDefault();
        if (from.Done > 0 && to.Done > from.Done)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"growth from {from.Done:N0} to {to.Done:N0} samples: RSS {to.RssMiB - from.RssMiB:+0.0;-0.0;+0.0} MiB ({100 * (to.RssMiB - from.RssMiB) / from.RssMiB:+0.00;-0.00;+0.00} %, "
                + $"{(to.RssMiB - from.RssMiB) * 1048576.0 / (to.Done - from.Done):F2} B/sample), managed heap {to.ManagedMiB - from.ManagedMiB:+0.00;-0.00;+0.00} MiB "
                + $"({(to.ManagedMiB - from.ManagedMiB) * 1048576.0 / (to.Done - from.Done):F2} B/sample); live tensors {string.Join("/", EvalMemoryProbeHook.Samples.Select(r => r.LiveTensors).Distinct())}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"val {seconds:F1} s ({samples / seconds:N0} samples/s)"));
        foreach (var (k, v) in values) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {k}: {v:G6}"));
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
