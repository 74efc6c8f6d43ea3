using Kiln.Distributed;
using Kiln.Evaluation;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Metrics.Tests;

/// <summary>
/// Issue 10 show-it 3 (EVAL-02, EVAL-05): metrics that reduce their results into a <see cref="MetricAccumulator"/> as
/// they come give the same values as keeping every result until Evaluate (MMEngine's way, <c>Streaming = false</c>),
/// in one process and merged across ranks (MMEngine's <c>collect_results</c>: interleaved by rank, padding dropped),
/// on seeded random data larger than the unreduced tail so that folding really happens.
/// </summary>
public class StreamingTests
{
    private static readonly DataBatch NoBatch = new([], []);

    private const int Classes = 7;

    /// <summary>Scores on a 0.1 grid (so ties in top-k and arg-max occur), labels uniform.</summary>
    private static DataSample[] Classification(int n, int seed, bool labelsOnly = false)
    {
        var rng = new Random(seed);
        var samples = new DataSample[n];
        for (int i = 0; i < n; i++)
        {
            var s = new DataSample { GtLabel = rng.Next(Classes) };
            if (labelsOnly) s.PredLabel = rng.Next(Classes);
            else s.PredScore = Enumerable.Range(0, Classes).Select(_ => rng.Next(11) / 10f).ToArray();
            samples[i] = s;
        }
        return samples;
    }

    /// <summary>Multi-label: 0/1 targets with some −1 (ignored) entries.</summary>
    private static DataSample[] MultiLabel(int n, int seed)
    {
        var rng = new Random(seed);
        var samples = new DataSample[n];
        for (int i = 0; i < n; i++)
        {
            var s = new DataSample { PredScore = Enumerable.Range(0, Classes).Select(_ => rng.Next(11) / 10f).ToArray() };
            s.Set("gt_score", Enumerable.Range(0, Classes).Select(_ => (float)(rng.Next(10) == 0 ? -1 : rng.Next(2))).ToArray());
            samples[i] = s;
        }
        return samples;
    }

    private static DataSample[] Images(int n, int seed, int size)
    {
        var rng = new Random(seed);
        var samples = new DataSample[n];
        for (int i = 0; i < n; i++)
        {
            var gt = new float[size, size];
            var pred = new float[size, size];
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    gt[y, x] = rng.Next(256);
                    pred[y, x] = Math.Clamp(gt[y, x] + rng.Next(-20, 21), 0, 255);
                }
            var s = new DataSample();
            s.Set("gt_img", gt);
            s.Set("pred_img", pred);
            samples[i] = s;
        }
        return samples;
    }

    /// <summary>Feeds <paramref name="samples"/> in batches of 37 and evaluates over all of them.</summary>
    private static IReadOnlyDictionary<string, double> Run(BaseMetric metric, IReadOnlyList<DataSample> samples)
    {
        for (int i = 0; i < samples.Count; i += 37)
            metric.Process(NoBatch, samples.Skip(i).Take(37).ToList());
        return metric.Evaluate(samples.Count);
    }

    private static readonly string[] Names =
    [
        "accuracy", "accuracy-thrs", "accuracy-labels", "single", "single-thrs-classwise", "single-micro", "single-labels",
        "multi", "multi-top2-classwise", "multi-thr-micro", "mae", "mse", "psnr",
    ];

    public static TheoryData<string> MetricNames => new(Names);

    private static (Func<BaseMetric> Make, DataSample[] Data) Case(string name, int n, int seed) => name switch
    {
        "accuracy" => (() => new Accuracy(topk: [1, 3]), Classification(n, seed)),
        "accuracy-thrs" => (() => new Accuracy(topk: [1, 2], thrs: [0.0, 0.35, null]), Classification(n, seed)),
        "accuracy-labels" => (() => new Accuracy(), Classification(n, seed, labelsOnly: true)),
        "single" => (() => new SingleLabelMetric(items: ["precision", "recall", "f1-score", "support"]), Classification(n, seed)),
        "single-thrs-classwise" => (() => new SingleLabelMetric(thrs: [0.0, 0.85, null], average: null), Classification(n, seed)),
        "single-micro" => (() => new SingleLabelMetric(average: "micro"), Classification(n, seed)),
        "single-labels" => (() => new SingleLabelMetric(numClasses: Classes, average: null), Classification(n, seed, labelsOnly: true)),
        "multi" => (() => new MultiLabelMetric(items: ["precision", "recall", "f1-score", "support"]), MultiLabel(n, seed)),
        "multi-top2-classwise" => (() => new MultiLabelMetric(topk: 2, average: null), MultiLabel(n, seed)),
        "multi-thr-micro" => (() => new MultiLabelMetric(thr: 0.3, average: "micro"), MultiLabel(n, seed)),
        "mae" => (() => new MeanAbsoluteError(scaling: 100), Images(n, seed, 3)),
        "mse" => (() => new MeanSquaredError(), Images(n, seed, 3)),
        "psnr" => (() => new PSNR(), Images(n, seed, 3)),
        _ => throw new ArgumentException(name),
    };

    [Theory] // issue 10 show-it 3: streamed values are the kept-results values, bit for bit, in one process
    [MemberData(nameof(MetricNames))]
    public void Streamed_EqualsKeptResults_OneProcess(string name)
    {
        var (make, data) = Case(name, 5000, seed: name.Length);
        var kept = make();
        kept.Streaming = false;
        var streamed = make();
        Assert.True(streamed.Streaming);
        for (int i = 0; i < data.Length; i += 37)
        {
            var batch = data.Skip(i).Take(37).ToList();
            kept.Process(NoBatch, batch);
            streamed.Process(NoBatch, batch);
            Assert.True(streamed.ResultCount < 2 * BaseMetric.StreamTail); // the held tail stays bounded
        }
        Assert.Equal(data.Length, kept.ResultCount);
        Assert.Equal(data.Length, streamed.ProcessedCount);
        var expected = kept.Evaluate(data.Length);
        var actual = streamed.Evaluate(data.Length);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.Equal(0, streamed.ProcessedCount); // cleared
        Assert.Equal(actual, Run(streamed, data)); // and ready for the next evaluation
    }

    [Fact] // SSIM (≥ 11×11 images) streams too; its per-image values average exactly as kept
    public void Ssim_Streamed_EqualsKeptResults()
    {
        var data = Images(2100, seed: 3, size: 11);
        var kept = new SSIM { Streaming = false };
        Assert.Equal(Run(kept, data), Run(new SSIM(), data));
    }

    [Fact] // ConfusionMatrix: the streamed matrix is the kept one
    public void ConfusionMatrix_Streamed_EqualsKeptMatrix()
    {
        var data = Classification(4500, seed: 11);
        var kept = new ConfusionMatrix { Streaming = false };
        var streamed = new ConfusionMatrix();
        Run(kept, data);
        Run(streamed, data);
        Assert.NotNull(streamed.Result);
        Assert.Equal(kept.Result, streamed.Result);
        Assert.Equal(4500L, streamed.Result!.Cast<long>().Sum());
    }

    /// <summary>DefaultSampler's shard: indices padded to a multiple of the world size from the start, rank r takes r, r+W, ….</summary>
    private static List<DataSample> Shard(DataSample[] data, int rank, int world)
    {
        int total = (data.Length + world - 1) / world * world;
        var shard = new List<DataSample>();
        for (int i = rank; i < total; i += world) shard.Add(data[i % data.Length]);
        return shard;
    }

    [Theory] // EVAL-05: each rank streams its shard; the merged states equal one process keeping every result
    [InlineData(2)]
    [InlineData(3)]
    public void Streamed_AcrossRanks_EqualsSingleProcessKept(int world)
    {
        const int n = 4001; // not a multiple of 2 or 3: the sampler pads, Evaluate must drop the padding
        foreach (var name in Names)
        {
            var (make, data) = Case(name, n, seed: 100 + name.Length);
            var kept = make();
            kept.Streaming = false;
            var expected = Run(kept, data);
            var results = FakeRanks.RunRanks(world, rank =>
            {
                var metric = make();
                var shard = Shard(data, rank, world);
                for (int i = 0; i < shard.Count; i += 37) metric.Process(NoBatch, shard.Skip(i).Take(37).ToList());
                return metric.Evaluate(n);
            });
            foreach (var r in results)
            {
                Assert.Equal(expected.Keys.Order(), r.Keys.Order());
                foreach (var (key, value) in expected)
                {
                    if (name is "mae" or "mse" or "psnr")
                        Assert.True(Math.Abs(value - r[key]) <= 1e-12 * Math.Abs(value), $"{name} {key}: {r[key]} vs {value}"); // sums added per rank, then in rank order
                    else
                        Assert.True(value == r[key], $"{name} {key}: {r[key]} vs {value}");
                }
            }
        }
    }

    [Fact] // EVAL-05: the confusion matrix merged over 2 ranks is the single-process one (padding dropped)
    public void ConfusionMatrix_TwoRanks_EqualsSingleProcess()
    {
        var data = Classification(3001, seed: 5);
        var single = new ConfusionMatrix { Streaming = false };
        Run(single, data);
        var matrices = FakeRanks.RunRanks(2, rank =>
        {
            var metric = new ConfusionMatrix();
            var shard = Shard(data, rank, 2);
            metric.Process(NoBatch, shard);
            metric.Evaluate(data.Length);
            return metric.Result;
        });
        Assert.Equal(single.Result, matrices[0]);
        Assert.Null(matrices[1]); // only rank 0 computes (MMEngine: is_main_process)
    }

    [Fact] // a streaming metric can drop only its unreduced tail: a clear error otherwise, and Streaming=false keeps all
    public void Streamed_SizeFarBelowProcessed_IsClearError()
    {
        var data = Classification(5000, seed: 1);
        var streamed = new Accuracy();
        streamed.Process(NoBatch, data);
        var e = Assert.Throws<KilnException>(() => streamed.Evaluate(10));
        Assert.Contains("Accuracy reduces its results as they come and can drop only the newest 1024", e.Message);
        Assert.Contains("Evaluate(size=10) would keep 10 of the 5000 results of rank 0", e.Message);

        // a few beyond size (a sampler's padding) are dropped exactly as the kept results are cut
        var kept = new Accuracy { Streaming = false };
        var tailed = new Accuracy();
        kept.Process(NoBatch, data);
        tailed.Process(NoBatch, data);
        Assert.Equal(kept.Evaluate(4990), tailed.Evaluate(4990));
    }

    [Fact] // the switch: metrics without an accumulator only keep results; no switching with results pending
    public void Streaming_Switch_Validated()
    {
        Assert.False(new AveragePrecision().Streaming);
        var ap = Assert.Throws<KilnException>(() => new AveragePrecision { Streaming = true });
        Assert.Contains("AveragePrecision has no accumulator", ap.Message);
        var acc = new Accuracy();
        acc.Process(NoBatch, Classification(3, seed: 2));
        Assert.Contains("can only change before Process", Assert.Throws<KilnException>(() => acc.Streaming = false).Message);
        acc.Evaluate(3);
        acc.Streaming = false;
        Assert.False(acc.Streaming);
    }

    [Fact] // errors the kept form raises at Evaluate are raised by the streamed form too, after folding
    public void Streamed_InconsistentResults_SameErrorsAsKept()
    {
        foreach (bool streaming in new[] { true, false })
        {
            var mixed = new Accuracy { Streaming = streaming };
            mixed.Process(NoBatch, Classification(3000, seed: 3));
            mixed.Process(NoBatch, Classification(2, seed: 4, labelsOnly: true));
            Assert.Equal("Accuracy: some predictions have pred_score and others only pred_label; give every sample the same kind.",
                Assert.Throws<KilnException>(() => mixed.Evaluate(3002)).Message);

            var classes = new SingleLabelMetric { Streaming = streaming };
            classes.Process(NoBatch, Classification(3000, seed: 3));
            classes.Process(NoBatch, [new DataSample { GtLabel = 0, PredScore = [0.2f, 0.8f] }]);
            Assert.Equal("SingleLabelMetric: the predictions do not all have the same number of classes.",
                Assert.Throws<KilnException>(() => classes.Evaluate(3001)).Message);

            var matrix = new ConfusionMatrix(numClasses: 3) { Streaming = streaming };
            matrix.Process(NoBatch, [new DataSample { GtLabel = 1, PredLabel = 1 }, new DataSample { GtLabel = 5, PredLabel = 0 }]);
            Assert.Equal("ConfusionMatrix: sample 1 has gt 5 / pred 0 outside the 3 classes.",
                Assert.Throws<KilnException>(() => matrix.Evaluate(2)).Message);
        }
    }

    [Fact] // a metric's accumulator refuses another metric's state
    public void Merge_OtherMetricsState_IsError()
    {
        var a = new Accuracy();
        var s = new SingleLabelMetric();
        var data = Classification(2 * BaseMetric.StreamTail, seed: 9);
        a.Process(NoBatch, data);
        s.Process(NoBatch, data);
        // the accumulators are private; reach them through a derived probe of the protected factory
        var ea = Probe.Of(a);
        var es = Probe.Of(s);
        ea.Add(new double[] { 0, 0.5 });
        es.Add(new double[] { 0, 0.5, 0, Classes });
        var e = Assert.Throws<KilnException>(() => ea.Merge(es));
        Assert.Contains("the states come from different metrics", e.Message);
    }

    /// <summary>Calls a metric's protected <c>CreateAccumulator</c> by reflection (tests only).</summary>
    private static class Probe
    {
        public static MetricAccumulator Of(BaseMetric metric)
            => (MetricAccumulator)typeof(BaseMetric).GetMethod("CreateAccumulator", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
                .Invoke(metric, null)!;
    }
}
