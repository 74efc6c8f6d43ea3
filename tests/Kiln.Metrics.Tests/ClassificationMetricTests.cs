using Kiln.Metrics;
using Kiln.Structures;
using Kiln.TestKit;

namespace Kiln.Metrics.Tests;

/// <summary>
/// The classification metrics against values worked out by hand from their textbook definitions (each test's
/// comments show the counts). Definitions: precision = TP / (TP + FP), recall = TP / (TP + FN),
/// F1 = 2PR / (P + R) (van Rijsbergen, Information Retrieval, 1979, ch. 7; Manning et al., Introduction to
/// Information Retrieval, §8.3), macro = mean of the per-class values, micro = the same ratios over the summed
/// counts (Manning et al. §13.6); a 0/0 ratio counts as 0, as mmpretrain's clamp(min=1) gives. Average precision =
/// mean over the positives of the precision at their rank (Manning et al. §8.4; mmpretrain's AP).
/// </summary>
public class ClassificationMetricTests
{
    private static readonly DataBatch NoBatch = new([], []);

    private static IReadOnlyDictionary<string, double> Run(Kiln.Evaluation.BaseMetric metric, params DataSample[] samples)
    {
        metric.Process(NoBatch, samples);
        return metric.Evaluate(samples.Length);
    }

    private static DataSample S(long gt, params float[] scores) => new() { GtLabel = gt, PredScore = scores };

    /// <summary>
    /// Four classes; arg-max predictions p vs truth g: (p0,g0) (p1,g0) (p1,g1) (p2,g3) (p0,g3) (p1,g1).
    /// Class 2 is predicted once but never a label; class 3 is a label twice but never predicted.
    /// </summary>
    private static DataSample[] FourClasses() =>
    [
        S(0, 0.7f, 0.2f, 0.05f, 0.05f),
        S(0, 0.3f, 0.6f, 0.05f, 0.05f),
        S(1, 0.2f, 0.5f, 0.2f, 0.1f),
        S(3, 0.1f, 0.2f, 0.6f, 0.1f),
        S(3, 0.5f, 0.2f, 0.2f, 0.1f),
        S(1, 0.1f, 0.7f, 0.1f, 0.1f),
    ];

    [Fact] // EVAL metrics: SingleLabelMetric macro; class never predicted, class absent from labels
    public void SingleLabel_Macro_MatchesHandCounts()
    {
        // class 0: TP 1, predicted 2, true 2 → P 50, R 50, F1 50
        // class 1: TP 2, predicted 3, true 2 → P 66.667, R 100, F1 2·66.667·100/166.667 = 80
        // class 2: TP 0, predicted 1, true 0 → 0, 0 (0/0 → 0), 0
        // class 3: TP 0, predicted 0, true 2 → 0 (0/0 → 0), 0, 0
        var m = Run(new SingleLabelMetric(items: ["precision", "recall", "f1-score", "support"]), FourClasses());
        Assert.Equal((50 + 200.0 / 3) / 4, m["single-label/precision"], 6);
        Assert.Equal((50 + 100) / 4.0, m["single-label/recall"], 6);
        Assert.Equal((50 + 80) / 4.0, m["single-label/f1-score"], 6);
        Assert.Equal(6, m["single-label/support"]);
        Assert.Equal(4, m.Count);
    }

    [Fact]
    public void SingleLabel_Micro_IsRatioOfSummedCounts()
    {
        // TP 3 of 6 predictions and 6 labels → 50 / 50 / 50, names with _micro as mmpretrain
        var m = Run(new SingleLabelMetric(average: "micro"), FourClasses());
        Assert.Equal(50, m["single-label/precision_micro"], 6);
        Assert.Equal(50, m["single-label/recall_micro"], 6);
        Assert.Equal(50, m["single-label/f1-score_micro"], 6);
    }

    [Fact]
    public void SingleLabel_PerClass_ReportsEveryClass()
    {
        var m = Run(new SingleLabelMetric(average: null), FourClasses());
        Assert.Equal([50, 200.0 / 3, 0, 0], Enumerable.Range(0, 4).Select(c => m[$"single-label/precision_classwise/{c}"]).ToArray(), new ToleranceComparer(1e-4));
        Assert.Equal([50, 100, 0, 0], Enumerable.Range(0, 4).Select(c => m[$"single-label/recall_classwise/{c}"]).ToArray(), new ToleranceComparer(1e-6));
        Assert.Equal([50, 80, 0, 0], Enumerable.Range(0, 4).Select(c => m[$"single-label/f1-score_classwise/{c}"]).ToArray(), new ToleranceComparer(1e-4));
    }

    [Fact]
    public void SingleLabel_Thresholds_DropPredictionsAtOrBelow()
    {
        // thr 0.55 keeps the predictions scoring 0.7, 0.6, 0.6, 0.7 (samples 0, 1, 3, 5):
        // class 0: TP 1, predicted 1, true 2 → 100, 50, 66.667; class 1: TP 1 (s5), predicted 2 (s1, s5), true 2 → 50, 50, 50
        // class 2: predicted 1, TP 0 → 0; class 3: 0
        var m = Run(new SingleLabelMetric(thrs: [null, 0.55]), FourClasses());
        Assert.Equal(37.5, m["single-label/precision_thr-0.55"], 6);
        Assert.Equal(25, m["single-label/recall_thr-0.55"], 6);
        Assert.Equal((200.0 / 3 + 50) / 4, m["single-label/f1-score_thr-0.55"], 4);
        Assert.Equal((50 + 200.0 / 3) / 4, m["single-label/precision_no-thr"], 6);
    }

    [Fact]
    public void SingleLabel_LabelsOnly_NeedNumClasses()
    {
        DataSample L(long gt, long pred) => new() { GtLabel = gt, PredLabel = pred };
        // class 0: TP 1, pred 1, true 2 → P 100, R 50; class 1: TP 1, pred 2, true 1 → P 50, R 100; class 2: nothing
        var m = Run(new SingleLabelMetric(numClasses: 3), L(0, 0), L(0, 1), L(1, 1));
        Assert.Equal(50, m["single-label/precision"], 6);
        Assert.Equal(50, m["single-label/recall"], 6);
        var e = Assert.Throws<KilnException>(() => new SingleLabelMetric().Process(NoBatch, [L(0, 0)]));
        Assert.Contains("num_classes must be set", e.Message);
    }

    [Fact]
    public void SingleLabel_BadArguments_AreClearErrors()
    {
        Assert.Contains("average = 'weighted'", Assert.Throws<KilnException>(() => new SingleLabelMetric(average: "weighted")).Message);
        Assert.Contains("The metric accuracy is not supported", Assert.Throws<KilnException>(() => new SingleLabelMetric(items: ["accuracy"])).Message);
    }

    [Fact] // ties in top-k: the lower class index ranks first
    public void Accuracy_TiedScores_LowerClassIndexRanksFirst()
    {
        var m = Run(new Accuracy(topk: [1, 2]),
            S(1, 0.4f, 0.4f, 0.2f),  // class 0 and 1 tie: class 1 ranks second → top-1 miss, top-2 hit
            S(0, 0.4f, 0.4f, 0.2f),  // class 0 ranks first → hit
            S(2, 0.3f, 0.3f, 0.3f),  // three-way tie: class 2 ranks third → miss at 1 and 2
            S(5, 0.5f, 0.5f, 0.0f)); // label outside the scores: never correct
        Assert.Equal(25, m["accuracy/top1"], 10);
        Assert.Equal(50, m["accuracy/top2"], 10);
    }

    private static DataSample M(float[] scores, float[] target)
    {
        var s = new DataSample { PredScore = scores };
        s.Set("gt_score", target);
        return s;
    }

    /// <summary>m0..m3: 3 classes, one-hot targets.</summary>
    private static DataSample[] FourMultiLabel() =>
    [
        M([0.9f, 0.6f, 0.1f], [1, 0, 0]),
        M([0.2f, 0.8f, 0.5f], [0, 1, 1]),
        M([0.7f, 0.3f, 0.4f], [0, 1, 0]),
        M([0.1f, 0.2f, 0.3f], [1, 0, 0]),
    ];

    [Fact]
    public void MultiLabel_DefaultThreshold_MatchesHandCounts()
    {
        // score ≥ 0.5 → predicted: m0 {0,1}, m1 {1,2}, m2 {0}, m3 {}
        // class 0: pred {m0,m2}, true {m0,m3}, TP 1 → 50/50/50; class 1: pred {m0,m1}, true {m1,m2}, TP 1 → 50/50/50
        // class 2: pred {m1}, true {m1}, TP 1 → 100/100/100
        var m = Run(new MultiLabelMetric(), FourMultiLabel());
        Assert.Equal(200.0 / 3, m["multi-label/precision"], 6);
        Assert.Equal(200.0 / 3, m["multi-label/recall"], 6);
        Assert.Equal(200.0 / 3, m["multi-label/f1-score"], 6);
        var micro = Run(new MultiLabelMetric(average: "micro"), FourMultiLabel());
        Assert.Equal(60, micro["multi-label/precision_micro"], 6); // TP 3 / 5 predicted, 3 / 5 true
        Assert.Equal(60, micro["multi-label/recall_micro"], 6);
    }

    [Fact]
    public void MultiLabel_Topk_MatchesHandCounts()
    {
        // top-1 predicted: m0 {0}, m1 {1}, m2 {0}, m3 {2}
        // class 0: pred {m0,m2}, true {m0,m3}, TP 1 → 50/50/50; class 1: pred {m1}, true {m1,m2} → 100/50/66.667
        // class 2: pred {m3}, true {m1} → 0/0/0
        var m = Run(new MultiLabelMetric(topk: 1), FourMultiLabel());
        Assert.Equal(50, m["multi-label/precision_top1"], 6);
        Assert.Equal(100.0 / 3, m["multi-label/recall_top1"], 6);
        Assert.Equal((50 + 200.0 / 3) / 3, m["multi-label/f1-score_top1"], 4);
        var thr = Run(new MultiLabelMetric(thr: 0.3, topk: 1), FourMultiLabel()); // thr wins over topk
        Assert.Contains("multi-label/precision_thr-0.30", thr.Keys);
    }

    [Fact] // mmpretrain's MultiLabelMetric.calculate docstring: one-hot example → (43.75, 31.25, 33.3333, 8)
    public void MultiLabel_MmpretrainDocExample()
    {
        float[][] pred = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0]];
        float[][] gt = [[1, 1, 0, 0], [0, 0, 1, 0], [1, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0]];
        var m = Run(new MultiLabelMetric(items: ["precision", "recall", "f1-score", "support"]), pred.Zip(gt, M).ToArray());
        Assert.Equal(43.75, m["multi-label/precision"], 4);
        Assert.Equal(31.25, m["multi-label/recall"], 4);
        Assert.Equal(33.3333, m["multi-label/f1-score"], 4);
        Assert.Equal(8, m["multi-label/support"]);
    }

    [Fact]
    public void MultiLabel_GtLabelIndices_AreOneHot()
    {
        var s = new DataSample { PredScore = [0.9f, 0.8f, 0.1f] };
        s.Set("gt_label", new long[] { 0, 2 });
        // predicted {0,1}, true {0,2}: class 0 100/100, class 1 0/0 (never true), class 2 0/0 (never predicted)
        var m = Run(new MultiLabelMetric(average: "micro"), s);
        Assert.Equal(50, m["multi-label/precision_micro"], 6);
        Assert.Equal(50, m["multi-label/recall_micro"], 6);
    }

    [Fact] // mmpretrain's AveragePrecision docstring: mAP 70.833, per class [100, 83.33, 100, 0]
    public void AveragePrecision_MmpretrainDocExample_AndHandValues()
    {
        float[][] pred = [[0.9f, 0.8f, 0.3f, 0.2f], [0.1f, 0.2f, 0.2f, 0.1f], [0.7f, 0.5f, 0.9f, 0.3f], [0.8f, 0.1f, 0.1f, 0.2f]];
        float[][] gt = [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]];
        var m = Run(new AveragePrecision(), pred.Zip(gt, M).ToArray());
        Assert.Equal(70.8333, m["multi-label/mAP"], 4);
        var per = Run(new AveragePrecision(average: null), pred.Zip(gt, M).ToArray());
        // class 1 by score: 0.8 (+), 0.5 (−), 0.2 (+), 0.1 (−) → (1/1 + 2/3) / 2 = 83.33; class 3 has no positive → 0
        Assert.Equal(100, per["multi-label/AP_classwise/0"], 6);
        Assert.Equal(250.0 / 3, per["multi-label/AP_classwise/1"], 4);
        Assert.Equal(100, per["multi-label/AP_classwise/2"], 6);
        Assert.Equal(0, per["multi-label/AP_classwise/3"], 6);
        Assert.Contains("average = 'micro'", Assert.Throws<KilnException>(() => new AveragePrecision(average: "micro")).Message);
    }

    [Fact]
    public void AveragePrecision_TiesAndIgnoredTargets()
    {
        // class 0 scores tie (0.5, 0.5) with targets (0, 1): the earlier sample ranks first → positive at rank 2 → AP 1/2
        // the third sample's target −1 (difficult) is left out
        var m = Run(new AveragePrecision(), M([0.5f], [0]), M([0.5f], [1]), M([0.9f], [-1]));
        Assert.Equal(50, m["multi-label/mAP"], 6);
    }

    [Fact]
    public void ConfusionMatrix_CountsTruthRowsPredictionColumns_AndPlots()
    {
        var metric = new ConfusionMatrix();
        var m = Run(metric, FourClasses());
        Assert.Empty(m);
        // (p,g): (0,0) (1,0) (1,1) (2,3) (0,3) (1,1)
        long[,] expected = { { 1, 1, 0, 0 }, { 0, 2, 0, 0 }, { 0, 0, 0, 0 }, { 1, 0, 1, 0 } };
        Assert.Equal(expected, metric.Result);

        using var tmp = new TempDir();
        string png = tmp.Combine("cm", "confusion.png");
        ConfusionMatrix.Plot(metric.Result!, png, ["zero", "one", "two", "three"]);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        string? keep = Environment.GetEnvironmentVariable("KILN_KEEP_PLOT");
        if (!string.IsNullOrEmpty(keep)) File.Copy(png, keep, overwrite: true);
    }

    [Fact]
    public void ConfusionMatrix_LabelsOnly_NeedNumClasses()
    {
        var metric = new ConfusionMatrix(numClasses: 3);
        Run(metric, new DataSample { GtLabel = 2, PredLabel = 0 });
        Assert.Equal(1, metric.Result![2, 0]);
        Assert.Contains("num_classes must be set", Assert.Throws<KilnException>(() => new ConfusionMatrix().Process(NoBatch, [new DataSample { GtLabel = 0, PredLabel = 0 }])).Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
