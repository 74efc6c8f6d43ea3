using System.Collections.Concurrent;
using Kiln.Distributed;
using Kiln.Evaluation;
using Kiln.Metrics;
using Kiln.Structures;
using Kiln.TestKit;
using TorchSharp;

namespace Kiln.Metrics.Tests;

/// <summary>
/// EVAL-01, EVAL-03, EVAL-05: MMEngine's BaseMetric and Evaluator (mmengine/evaluator/metric.py, evaluator.py):
/// prefixes, collect_device, plain results, duplicate names, collect_results across ranks, offline evaluation.
/// </summary>
public class EvaluatorTests
{
    private static readonly DataBatch NoBatch = new([], []);

    /// <summary>Keeps each sample's <c>sample_idx</c>; reports how many it saw and records the list rank 0 reduced.</summary>
    private sealed class IndexMetric(string? prefix = null, string collectDevice = "cpu") : BaseMetric(prefix, collectDevice)
    {
        public static readonly ConcurrentDictionary<int, List<long>> Seen = new();

        protected override string DefaultPrefix => "index";

        public IList<object> Exposed => Results;

        public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
        {
            foreach (var s in dataSamples) Results.Add(Convert.ToInt64(s.MetaInfo["sample_idx"]));
        }

        public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
        {
            Seen[Dist.Rank] = results.Cast<long>().ToList();
            return new Dictionary<string, double> { ["count"] = results.Count, ["sum"] = results.Cast<long>().Sum() };
        }
    }

    private static DataSample Indexed(long index)
    {
        var s = new DataSample();
        s.SetMetaInfo("sample_idx", index);
        return s;
    }

    [Fact] // EVAL-05: prefix or default_prefix, as MMEngine's `prefix or self.default_prefix`
    public void Prefix_GivenEmptyOrNull_FallsBackToDefaultPrefix()
    {
        Assert.Equal("index", new IndexMetric().Prefix);
        Assert.Equal("index", new IndexMetric(prefix: "").Prefix);
        var custom = new IndexMetric(prefix: "mine");
        custom.Process(NoBatch, [Indexed(3)]);
        Assert.Equal(["mine/count", "mine/sum"], custom.Evaluate(1).Keys.Order());
    }

    [Theory] // EVAL-05
    [InlineData("cpu")]
    [InlineData("gpu")]
    public void CollectDevice_CpuAndGpu_AreAccepted(string device) => Assert.Equal(device, new IndexMetric(collectDevice: device).CollectDevice);

    [Fact]
    public void CollectDevice_Other_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => new IndexMetric(collectDevice: "cuda"));
        Assert.Contains("collect_device = 'cuda': must be 'cpu' or 'gpu'", e.Message);
    }

    [Fact] // EVAL-01: results hold plain values only; a tensor would outlive its dispose scope
    public void Results_RefuseTensorsAndOtherObjects_AcceptPlainValues()
    {
        var metric = new IndexMetric();
        using (torch.NewDisposeScope())
        {
            var e = Assert.Throws<KilnException>(() => metric.Exposed.Add(torch.ones(3)));
            Assert.Contains("IndexMetric.Results: a results entry holds a torch.Tensor", e.Message);
            var nested = Assert.Throws<KilnException>(() => metric.Exposed.Add(new object[] { 1.0, torch.zeros(1) }));
            Assert.Contains("torch.Tensor", nested.Message);
        }
        Assert.Throws<KilnException>(() => metric.Exposed.Add(new Uri("http://x")));
        Assert.Throws<KilnException>(() => metric.Exposed.Add(new Dictionary<int, object?> { [1] = 2.0 }));
        metric.Exposed.Add(1.5);
        metric.Exposed.Add(new float[] { 1, 2 });
        metric.Exposed.Add(new object[] { new long[] { 1 }, "a", new Dictionary<string, object?> { ["k"] = new List<object?> { 1, 2.0, null } } });
        Assert.Equal(3, metric.ResultCount);
    }

    [Fact]
    public void PlainValues_RoundTripThroughBytes()
    {
        object?[] values = [null, true, 7, 8L, 1.5f, 2.5, "s", new float[] { 1, 2 }, new double[] { 3 }, new long[] { 4 }, new int[] { 5 }, new byte[] { 6 }, new bool[] { true },
            new List<object?> { 1L, "x" }, new Dictionary<string, object?> { ["a"] = new double[] { 9 } }];
        var back = PlainValues.Decode(PlainValues.Encode(values));
        Assert.Equal(values.Length, back.Count);
        Assert.Null(back[0]);
        Assert.Equal(true, back[1]);
        Assert.Equal(7, back[2]);
        Assert.Equal(8L, back[3]);
        Assert.Equal(1.5f, back[4]);
        Assert.Equal(2.5, back[5]);
        Assert.Equal("s", back[6]);
        Assert.Equal(new float[] { 1, 2 }, back[7]);
        Assert.Equal(new byte[] { 6 }, back[11]);
        Assert.Equal(new List<object?> { 1L, "x" }, back[13]);
        Assert.Equal(new double[] { 9 }, ((Dictionary<string, object?>)back[14]!)["a"]);
    }

    [Fact] // empty evaluation set: the issue asks for a clear error (MMEngine warns, then fails in compute_metrics)
    public void Evaluate_NoResults_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => new IndexMetric().Evaluate(10));
        Assert.Contains("IndexMetric got no results to evaluate (size=10)", e.Message);
        var acc = Assert.Throws<KilnException>(() => new Evaluator([new Accuracy()]).Evaluate(0));
        Assert.Contains("Accuracy got no results", acc.Message);
        var offline = Assert.Throws<KilnException>(() => new Evaluator([new Accuracy()]).OfflineEvaluate([]));
        Assert.Contains("no data samples", offline.Message);
    }

    [Fact] // EVAL-03: MMEngine's error text for the same name from two metrics
    public void Evaluate_TwoMetricsSameName_IsMmengineError()
    {
        var evaluator = new Evaluator([new Accuracy(), new Accuracy()]);
        var sample = new DataSample { GtLabel = 0, PredScore = [1f, 0f] };
        evaluator.Process([sample], NoBatch);
        var e = Assert.Throws<KilnException>(() => evaluator.Evaluate(1));
        Assert.StartsWith("There are multiple evaluation results with the same metric name accuracy/top1. Please make sure all metrics have different prefixes", e.Message);

        var fine = new Evaluator([new Accuracy(), new Accuracy(prefix: "acc2")]);
        fine.Process([sample], NoBatch);
        Assert.Equal(["acc2/top1", "accuracy/top1"], fine.Evaluate(1).Keys.Order());
    }

    [Fact] // EVAL-03: results beyond the dataset size (sampler padding) are dropped
    public void Evaluate_SingleProcess_TruncatesToSize()
    {
        var metric = new IndexMetric();
        metric.Process(NoBatch, [Indexed(0), Indexed(1), Indexed(2), Indexed(0)]);
        var m = metric.Evaluate(3);
        Assert.Equal(3.0, m["index/count"]);
        Assert.Equal(0, metric.ResultCount); // cleared
    }

    [Fact] // EVAL-05, MMEngine collect_results (cpu): zip(*parts) interleaves by rank, then [:size]
    public void Evaluate_TwoRanks_GathersInDatasetOrderDropsPaddingAndSharesMetrics()
    {
        IndexMetric.Seen.Clear();
        // DefaultSampler with 5 samples on 2 ranks: round_up pads to 6 with index 0; rank r takes indices[r::2].
        long[][] shards = [[0, 2, 4], [1, 3, 0]];
        var metrics = FakeRanks.RunRanks(2, rank =>
        {
            var metric = new IndexMetric();
            foreach (var i in shards[rank]) metric.Process(NoBatch, [Indexed(i)]);
            return metric.Evaluate(5);
        });
        Assert.Equal([0L, 1, 2, 3, 4], IndexMetric.Seen[0]);
        Assert.False(IndexMetric.Seen.ContainsKey(1)); // only rank 0 computes (MMEngine: is_main_process)
        foreach (var m in metrics)
        {
            Assert.Equal(5.0, m["index/count"]);
            Assert.Equal(10.0, m["index/sum"]);
        }
    }

    private sealed class FailingMetric : BaseMetric
    {
        public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples) => Results.Add(1.0);

        public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results) => throw new KilnException("bad maths");
    }

    [Fact] // a failure on rank 0 reaches every rank instead of leaving them waiting
    public void Evaluate_Rank0Fails_EveryRankGetsTheError()
    {
        var errors = FakeRanks.RunRanks(2, rank =>
        {
            var metric = new FailingMetric();
            metric.Process(NoBatch, [Indexed(rank)]);
            try { metric.Evaluate(2); return ""; }
            catch (KilnException e) { return e.Message; }
        });
        Assert.Equal("bad maths", errors[0]);
        Assert.Equal("FailingMetric.ComputeMetrics failed on rank 0: bad maths", errors[1]);
    }

    [Fact] // MMEngine's zip stops at the shortest part
    public void CollectResults_UnevenParts_StopAtShortestAsZip()
    {
        List<object>[] parts = [[0L, 2L, 4L], [1L, 3L]];
        var gathered = FakeRanks.RunRanks(2, rank => BaseMetric.CollectResults(parts[rank], 10, Dist.Current));
        Assert.All(gathered, g => Assert.Equal([0L, 1L, 2L, 3L], g.Cast<long>()));
        var single = BaseMetric.CollectResults([5L, 6L, 7L], 2, SingleProcessGroup.Instance);
        Assert.Equal([5L, 6L], single.Cast<long>());
    }

    [Fact] // EVAL-05: Accuracy over 3 ranks equals the single-process value
    public void Accuracy_ThreeRanks_EqualsSingleProcess()
    {
        var samples = Enumerable.Range(0, 7).Select(i => new DataSample { GtLabel = i % 3, PredScore = [i % 2, (i + 1) % 3, 0.5f] }).ToArray();
        var single = new Accuracy(topk: [1, 2]);
        single.Process(NoBatch, samples);
        var expected = single.Evaluate(7);
        var results = FakeRanks.RunRanks(3, rank =>
        {
            var metric = new Accuracy(topk: [1, 2]);
            // DefaultSampler: 7 → 9 with indices 0, 1 repeated; rank r takes r, r+3, r+6
            for (int i = rank; i < 9; i += 3) metric.Process(NoBatch, [samples[i % 7]]);
            return metric.Evaluate(7);
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact] // EVAL-05: MMEngine's offline_evaluate(data_samples, data=None, chunk_size=1)
    public void OfflineEvaluate_DictsInChunks_EqualsOnlineEvaluation()
    {
        var dicts = new List<object?>();
        var online = new Evaluator([new Accuracy(topk: [1, 2]), new SingleLabelMetric()]);
        for (int i = 0; i < 9; i++)
        {
            var scores = new[] { (i * 7 % 5) / 5f, (i * 3 % 4) / 4f, 0.3f };
            dicts.Add(new Dictionary<string, object?> { ["sample_idx"] = (long)i, ["gt_label"] = (long)(i % 3), ["pred_score"] = scores.Select(s => (object?)(double)s).ToList() });
            online.Process([new DataSample { GtLabel = i % 3, PredScore = scores }], NoBatch);
        }
        var expected = online.Evaluate(9);
        foreach (int chunk in new[] { 1, 4, 100 })
            Assert.Equal(expected, new Evaluator([new Accuracy(topk: [1, 2]), new SingleLabelMetric()]).OfflineEvaluate(dicts, chunkSize: chunk));

        var e = Assert.Throws<KilnException>(() => new Evaluator([new Accuracy()]).OfflineEvaluate(dicts, data: [1, 2]));
        Assert.Equal("data_samples and data should have the same length, but got data_samples length: 9 data length: 2", e.Message);
    }

    [Fact] // EVAL-05: DumpResults' pickle read back and evaluated offline gives the online metrics
    public void OfflineEvaluateFile_DumpResultsPickle_GivesOnlineMetrics()
    {
        using var tmp = new TempDir();
        string path = tmp.Combine("preds.pkl");
        var online = new Evaluator([new Accuracy(), new DumpResults(path)]);
        var samples = new[]
        {
            new DataSample { GtLabel = 0, PredLabel = 0, PredScore = [0.8f, 0.2f] },
            new DataSample { GtLabel = 1, PredLabel = 0, PredScore = [0.6f, 0.4f] },
            new DataSample { GtLabel = 1, PredLabel = 1, PredScore = [0.1f, 0.9f] },
        };
        online.Process(samples, NoBatch);
        var expected = online.Evaluate(3);
        var offline = new Evaluator([new Accuracy()]).OfflineEvaluateFile(path, chunkSize: 2);
        Assert.Equal(expected["accuracy/top1"], offline["accuracy/top1"], 10);
        Assert.Equal(200.0 / 3, offline["accuracy/top1"], 10);
    }
}
