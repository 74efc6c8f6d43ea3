using System.Globalization;
using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// mmpretrain's <c>MultiLabelMetric</c> (multi_label.py): precision, recall, F1-score and support when a sample may
/// belong to several classes. A class is predicted when its score is at least <c>thr</c>, or when it is among the
/// <c>topk</c> highest scores (<c>thr</c> wins when both are given; neither: <c>thr=0.5</c>). Targets come from
/// <c>gt_score</c> (0/1, −1 ignored) or <c>gt_label</c> (indices). Names: <c>precision</c> (thr 0.5),
/// <c>precision_thr-0.30</c>, <c>precision_top2</c>, with <c>_micro</c>/<c>_classwise/c</c> as for
/// <see cref="SingleLabelMetric"/>. Default prefix <c>multi-label</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class MultiLabelMetric : BaseMetric
{
    public MultiLabelMetric(double? thr = null, int? topk = null, IReadOnlyList<string>? items = null, string? average = "macro",
        string collectDevice = "cpu", string? prefix = null)
        : base(prefix, collectDevice)
    {
        if (thr is null && topk is null) thr = 0.5;
        if (topk is <= 0) throw new KilnException($"MultiLabelMetric.topk = {topk}: must be positive.");
        Thr = thr;
        Topk = topk;
        Items = ClassificationStats.CheckItems(items, nameof(MultiLabelMetric));
        Average = ClassificationStats.CheckAverage(average, nameof(MultiLabelMetric));
    }

    protected override string DefaultPrefix => "multi-label";

    public double? Thr { get; }

    public int? Topk { get; }

    public IReadOnlyList<string> Items { get; }

    public string? Average { get; }

    /// <summary>Keeps per sample <c>[pred_score copy, 0/1 target]</c> (two float arrays).</summary>
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples) => ScoredTargets.Add(Results, dataSamples, nameof(MultiLabelMetric));

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var (scores, targets, numClasses) = ScoredTargets.Read(results, nameof(MultiLabelMetric));
        var pred = new List<int[]>(scores.Count);
        foreach (var s in scores)
        {
            var p = new int[numClasses];
            Predict(s, p);
            pred.Add(p);
        }
        var gt = targets.Select(t => t.Select(v => (int)v).ToArray()).ToList();
        return Pack(ClassificationStats.Compute(pred, gt, numClasses, Average));
    }

    /// <summary>The 0/1 prediction per class of one sample's scores.</summary>
    private void Predict(float[] s, int[] p)
    {
        if (Thr is { } t)
        {
            for (int c = 0; c < p.Length; c++) p[c] = s[c] >= (float)t ? 1 : 0; // float32, as torch compares
        }
        else
        {
            Array.Clear(p);
            // top-k, the lower index first among equal scores
            var order = Enumerable.Range(0, p.Length).OrderByDescending(c => s[c]).ThenBy(c => c).Take(Topk!.Value);
            foreach (int c in order) p[c] = 1;
        }
    }

    private Dictionary<string, double> Pack((double[] Precision, double[] Recall, double[] F1, double[] Support) stats)
    {
        string suffix = Thr is { } thr
            ? (thr == 0.5 ? "" : "_thr-" + thr.ToString("F2", CultureInfo.InvariantCulture))
            : $"_top{Topk}";
        var metrics = new Dictionary<string, double>();
        ClassificationStats.Pack(metrics, Items, suffix, Average, stats);
        return metrics;
    }

    /// <summary>Streams into per-class TP / predicted / true counts (the scores are not kept).</summary>
    protected override MetricAccumulator CreateAccumulator() => new State(this);

    private sealed class State(MultiLabelMetric owner) : MetricAccumulator
    {
        private ClassificationStats.Counts? _counts;
        private bool _mismatch;
        private int[] _pred = [], _gt = [];

        protected override void AddItem(object item)
        {
            var pair = (System.Collections.IList)item;
            var scores = (float[])pair[0]!;
            var target = (float[])pair[1]!;
            if (_counts is null)
            {
                _counts = new ClassificationStats.Counts(scores.Length);
                _pred = new int[scores.Length];
                _gt = new int[scores.Length];
            }
            if (scores.Length != _counts.NumClasses) { _mismatch = true; return; }
            owner.Predict(scores, _pred);
            for (int c = 0; c < _gt.Length; c++) _gt[c] = (int)target[c];
            _counts.Add(_pred, _gt);
        }

        protected override void MergeState(MetricAccumulator other)
        {
            var o = (State)other;
            _mismatch |= o._mismatch;
            if (_counts is null) _counts = new ClassificationStats.Counts(o._counts!.NumClasses);
            if (o._counts!.NumClasses != _counts.NumClasses) { _mismatch = true; return; }
            _counts.Merge(o._counts);
        }

        public override object? ToPlain() => new List<object?> { _mismatch, _counts!.ToPlain() };

        protected override void LoadState(object? plain)
        {
            var p = (System.Collections.IList)plain!;
            _mismatch = (bool)p[0]!;
            _counts = ClassificationStats.Counts.FromPlain(p[1]);
        }

        public override IReadOnlyDictionary<string, double> ComputeMetrics()
        {
            if (_mismatch) throw new KilnException("MultiLabelMetric: the predictions do not all have the same number of classes.");
            return owner.Pack(_counts!.Stats(owner.Average));
        }
    }
}

/// <summary>Per-sample <c>[float[] pred_score, float[] target]</c> results shared by the multi-label metrics.</summary>
internal static class ScoredTargets
{
    public static void Add(IList<object> results, IReadOnlyList<DataSample> samples, string owner)
    {
        foreach (var sample in samples)
        {
            var scores = sample.PredScore ?? throw new KilnException($"{owner} needs pred_score in every prediction.");
            var target = ClassificationStats.Target(sample, scores.Length, owner);
            if (target.Length != scores.Length)
                throw new KilnException($"{owner}: gt_score has {target.Length} classes but pred_score {scores.Length}.");
            results.Add(new object[] { (float[])scores.Clone(), target });
        }
    }

    public static (List<float[]> Scores, List<float[]> Targets, int NumClasses) Read(IReadOnlyList<object> results, string owner)
    {
        var scores = new List<float[]>(results.Count);
        var targets = new List<float[]>(results.Count);
        foreach (var r in results)
        {
            var pair = (System.Collections.IList)r;
            scores.Add((float[])pair[0]!);
            targets.Add((float[])pair[1]!);
        }
        int n = scores[0].Length;
        if (scores.Any(s => s.Length != n))
            throw new KilnException($"{owner}: the predictions do not all have the same number of classes.");
        return (scores, targets, n);
    }
}
