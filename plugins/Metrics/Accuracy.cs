using System.Globalization;
using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// Top-k accuracy in percent, as mmpretrain's <c>Accuracy(topk=(1,), thrs=0.)</c>: a sample counts as correct
/// for k when its true class is among the k highest scores and that score is above the threshold.
/// Metric names are <c>top{k}</c>, with <c>_thr-{thr:.2f}</c> (or <c>_no-thr</c>) appended when several
/// thresholds are given; the default prefix is <c>accuracy</c>, so the log shows <c>accuracy/top1</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class Accuracy : BaseMetric
{
    /// <param name="topk">The k values (an int or a tuple of ints).</param>
    /// <param name="thrs">Score thresholds; a prediction counts only when its score is above one (None: no threshold).</param>
    public Accuracy(IReadOnlyList<int>? topk = null, IReadOnlyList<double?>? thrs = null, string collectDevice = "cpu", string? prefix = null)
        : base(prefix, collectDevice)
    {
        Topk = topk is { Count: > 0 } ? topk : [1];
        if (Topk.Any(k => k < 1)) throw new KilnException($"Accuracy.topk values must be positive, got ({string.Join(", ", Topk)}).");
        Thrs = thrs is { Count: > 0 } ? thrs : [0.0];
    }

    protected override string DefaultPrefix => "accuracy";

    public IReadOnlyList<int> Topk { get; }

    public IReadOnlyList<double?> Thrs { get; }

    /// <summary>Keeps each sample's scores (or label) and true class: plain numbers only.</summary>
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples)
        {
            long gt = sample.GtLabel ?? throw new KilnException("Accuracy needs gt_label in every data sample.");
            if (sample.PredScore is { } scores) Results.Add(new ScoredResult(scores, gt));
            else if (sample.PredLabel is { } label) Results.Add(new LabelResult(label, gt));
            else throw new KilnException("Accuracy needs pred_score or pred_label in every prediction.");
        }
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var metrics = new Dictionary<string, double>();
        if (results.All(r => r is LabelResult))
        {
            if (Topk.Any(k => k != 1))
                throw new KilnException("Accuracy: top-k with k > 1 needs pred_score; these predictions have labels only.");
            metrics["top1"] = 100.0 * results.Cast<LabelResult>().Count(r => r.Pred == r.Gt) / results.Count;
            return metrics;
        }
        foreach (int k in Topk)
            foreach (var thr in Thrs)
            {
                int correct = results.Cast<ScoredResult>().Count(r => IsCorrect(r, k, thr));
                string name = $"top{k}";
                if (Thrs.Count > 1) name += thr is null ? "_no-thr" : "_thr-" + thr.Value.ToString("F2", CultureInfo.InvariantCulture);
                metrics[name] = 100.0 * correct / results.Count;
            }
        return metrics;
    }

    /// <summary>True when the true class ranks within the top <paramref name="k"/> scores and its score beats the threshold.</summary>
    private static bool IsCorrect(ScoredResult r, int k, double? thr)
    {
        if (r.Gt < 0 || r.Gt >= r.Scores.Length) return false;
        float score = r.Scores[r.Gt];
        // Rank as torch.topk does for distinct scores: the number of classes scoring strictly higher.
        int higher = 0;
        for (int c = 0; c < r.Scores.Length; c++)
            if (r.Scores[c] > score || (r.Scores[c] == score && c < r.Gt)) higher++;
        return higher < k && (thr is null || score > thr.Value);
    }

    private sealed record ScoredResult(float[] Scores, long Gt);

    private sealed record LabelResult(long Pred, long Gt);
}
