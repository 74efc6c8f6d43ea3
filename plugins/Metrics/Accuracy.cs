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

    /// <summary>
    /// Keeps, per sample, only what top-k accuracy needs: the true class's rank and score (a <c>double[2]</c>), or the
    /// predicted and true labels (a <c>long[2]</c>) when there are no scores. Plain numbers only.
    /// </summary>
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples)
        {
            long gt = sample.GtLabel ?? throw new KilnException("Accuracy needs gt_label in every data sample.");
            if (sample.PredScore is { } scores) Results.Add(new[] { Rank(scores, gt), gt >= 0 && gt < scores.Length ? scores[gt] : double.NegativeInfinity });
            else if (sample.PredLabel is { } label) Results.Add(new[] { label, gt });
            else throw new KilnException("Accuracy needs pred_score or pred_label in every prediction.");
        }
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var metrics = new Dictionary<string, double>();
        if (results.All(r => r is long[]))
        {
            if (Topk.Any(k => k != 1))
                throw new KilnException("Accuracy: top-k with k > 1 needs pred_score; these predictions have labels only.");
            metrics["top1"] = 100.0 * results.Cast<long[]>().Count(r => r[0] == r[1]) / results.Count;
            return metrics;
        }
        if (!results.All(r => r is double[]))
            throw new KilnException("Accuracy: some predictions have pred_score and others only pred_label; give every sample the same kind.");
        foreach (int k in Topk)
            foreach (var thr in Thrs)
            {
                int correct = results.Cast<double[]>().Count(r => r[0] < k && (thr is null || (float)r[1] > (float)thr.Value));
                string name = $"top{k}";
                if (Thrs.Count > 1) name += thr is null ? "_no-thr" : "_thr-" + thr.Value.ToString("F2", CultureInfo.InvariantCulture);
                metrics[name] = 100.0 * correct / results.Count;
            }
        return metrics;
    }

    /// <summary>Streams into counts: correct samples per (k, thr), scored and label-only samples (same values as <see cref="ComputeMetrics"/>).</summary>
    protected override MetricAccumulator CreateAccumulator() => new State(this);

    /// <summary>
    /// Accuracy's running totals: the number of samples with scores and the number correct for each (k, thr) pair
    /// (k-major, as <see cref="ComputeMetrics"/> loops), and for label-only samples their number and the correct ones.
    /// </summary>
    private sealed class State(Accuracy owner) : MetricAccumulator
    {
        private long _scored, _labelled, _labelCorrect;
        private readonly long[] _correct = new long[owner.Topk.Count * owner.Thrs.Count];

        protected override void AddItem(object item)
        {
            switch (item)
            {
                case double[] r:
                    _scored++;
                    int j = 0;
                    foreach (int k in owner.Topk)
                        foreach (var thr in owner.Thrs)
                        {
                            if (r[0] < k && (thr is null || (float)r[1] > (float)thr.Value)) _correct[j]++;
                            j++;
                        }
                    break;
                case long[] l:
                    _labelled++;
                    if (l[0] == l[1]) _labelCorrect++;
                    break;
                default:
                    throw new KilnException($"Accuracy: unexpected result entry {item.GetType().Name}.");
            }
        }

        protected override void MergeState(MetricAccumulator other)
        {
            var o = (State)other;
            _scored += o._scored;
            _labelled += o._labelled;
            _labelCorrect += o._labelCorrect;
            for (int i = 0; i < _correct.Length; i++) _correct[i] += o._correct[i];
        }

        public override object? ToPlain() => new List<object?> { _scored, _labelled, _labelCorrect, _correct.ToArray() };

        protected override void LoadState(object? plain)
        {
            var p = (System.Collections.IList)plain!;
            _scored = (long)p[0]!;
            _labelled = (long)p[1]!;
            _labelCorrect = (long)p[2]!;
            ((long[])p[3]!).CopyTo(_correct, 0);
        }

        public override IReadOnlyDictionary<string, double> ComputeMetrics()
        {
            var metrics = new Dictionary<string, double>();
            if (_scored == 0)
            {
                if (owner.Topk.Any(k => k != 1))
                    throw new KilnException("Accuracy: top-k with k > 1 needs pred_score; these predictions have labels only.");
                metrics["top1"] = 100.0 * _labelCorrect / Count;
                return metrics;
            }
            if (_labelled > 0)
                throw new KilnException("Accuracy: some predictions have pred_score and others only pred_label; give every sample the same kind.");
            int j = 0;
            foreach (int k in owner.Topk)
                foreach (var thr in owner.Thrs)
                {
                    string name = $"top{k}";
                    if (owner.Thrs.Count > 1) name += thr is null ? "_no-thr" : "_thr-" + thr.Value.ToString("F2", CultureInfo.InvariantCulture);
                    metrics[name] = 100.0 * _correct[j++] / Count;
                }
            return metrics;
        }
    }

    /// <summary>
    /// The true class's 0-based rank among the scores, as <c>torch.topk</c> orders them on the CPU: the classes scoring
    /// strictly higher, plus tied classes with a lower index (a tie is broken in favour of the lower class index).
    /// A true class outside the scores never ranks.
    /// </summary>
    private static double Rank(float[] scores, long gt)
    {
        if (gt < 0 || gt >= scores.Length) return double.PositiveInfinity;
        float score = scores[gt];
        int higher = 0;
        for (int c = 0; c < scores.Length; c++)
            if (scores[c] > score || (scores[c] == score && c < gt)) higher++;
        return higher;
    }
}
