using Kiln.Metrics;
using Kiln.Structures;

namespace Kiln.Metrics.Tests;

/// <summary>
/// Accuracy against its textbook definition: top-k accuracy is the percentage of samples whose true class is
/// among the k highest-scoring classes (e.g. Goodfellow et al., Deep Learning, §11.1; mmpretrain's Accuracy).
/// </summary>
public class AccuracyTests
{
    private static DataSample Scored(long gt, params float[] scores) => new() { GtLabel = gt, PredScore = scores };

    private static IReadOnlyDictionary<string, double> Evaluate(Accuracy metric, params DataSample[] samples)
    {
        metric.Process(new DataBatch([], []), samples);
        return metric.Evaluate(samples.Length);
    }

    [Fact] // EVAL-01, METRIC accuracy
    public void Evaluate_Top1_IsPercentOfArgmaxHits()
    {
        var metrics = Evaluate(new Accuracy(),
            Scored(0, 0.9f, 0.1f, 0.0f),  // hit
            Scored(1, 0.6f, 0.3f, 0.1f),  // miss: argmax 0
            Scored(2, 0.1f, 0.2f, 0.7f),  // hit
            Scored(2, 0.5f, 0.4f, 0.1f)); // miss, class 2 never predicted
        Assert.Equal(50.0, metrics["accuracy/top1"], 10);
        Assert.Single(metrics);
    }

    [Fact]
    public void Evaluate_Top2_CountsTrueClassInTwoHighest()
    {
        var metrics = Evaluate(new Accuracy(topk: [1, 2]),
            Scored(1, 0.6f, 0.3f, 0.1f),  // top-2 hit
            Scored(2, 0.6f, 0.3f, 0.1f),  // top-2 miss
            Scored(0, 0.5f, 0.2f, 0.3f)); // top-1 and top-2 hit
        Assert.Equal(100.0 / 3, metrics["accuracy/top1"], 10);
        Assert.Equal(200.0 / 3, metrics["accuracy/top2"], 10);
    }

    [Fact]
    public void Evaluate_SeveralThresholds_NamesEachAndOnlyCountsScoresAbove()
    {
        var metrics = Evaluate(new Accuracy(thrs: [null, 0.5]),
            Scored(0, 0.9f, 0.1f),   // counted at both
            Scored(0, 0.45f, 0.55f), // miss
            Scored(1, 0.6f, 0.4f),   // miss
            Scored(1, 0.3f, 0.7f));  // counted at both
        Assert.Equal(50.0, metrics["accuracy/top1_no-thr"], 10);
        Assert.Equal(50.0, metrics["accuracy/top1_thr-0.50"], 10);

        var strict = Evaluate(new Accuracy(thrs: [0.8]), Scored(0, 0.7f, 0.3f), Scored(1, 0.1f, 0.9f));
        Assert.Equal(50.0, strict["accuracy/top1"], 10);
    }

    [Fact]
    public void Evaluate_LabelsOnly_UsesPredLabel()
    {
        var metric = new Accuracy(prefix: "acc");
        metric.Process(new DataBatch([], []), [new DataSample { GtLabel = 3, PredLabel = 3 }, new DataSample { GtLabel = 3, PredLabel = 1 }]);
        Assert.Equal(50.0, metric.Evaluate(2)["acc/top1"], 10);
    }

    [Fact]
    public void Evaluate_ClearsResultsAndDropsPaddingBeyondSize()
    {
        var metric = new Accuracy();
        metric.Process(new DataBatch([], []), [Scored(0, 1f, 0f), Scored(0, 0f, 1f), Scored(1, 0f, 1f)]);
        Assert.Equal(50.0, metric.Evaluate(2)["accuracy/top1"], 10); // the third sample is sampler padding
        Assert.Throws<KilnException>(() => metric.Evaluate(2));        // results were cleared
    }

    [Fact]
    public void Process_MissingGroundTruth_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => new Accuracy().Process(new DataBatch([], []), [new DataSample { PredLabel = 1 }]));
        Assert.Contains("gt_label", e.Message);
    }

    [Fact]
    public void Ctor_NonPositiveTopk_IsClearError()
    {
        var e = Assert.Throws<KilnException>(() => new Accuracy(topk: [0]));
        Assert.Contains("topk", e.Message);
    }
}
