using System.Globalization;
using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// mmpretrain's <c>SingleLabelMetric</c> (single_label.py): precision, recall, F1-score and support of single-label
/// classification. The predicted class is the arg-max of <c>pred_score</c> (the lower index on a tie), positive only
/// when its score is above the threshold (<c>thrs</c>, default 0.0; None: no threshold), or <c>pred_label</c> when there
/// are no scores (then <c>num_classes</c> is required). <c>average</c>: 'macro' (mean over classes, names as
/// <c>precision</c>), 'micro' (<c>precision_micro</c>), or None (per class). Several thresholds add
/// <c>_thr-0.50</c>/<c>_no-thr</c> to the names. Default prefix <c>single-label</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class SingleLabelMetric : BaseMetric
{
    public SingleLabelMetric(IReadOnlyList<double?>? thrs = null, IReadOnlyList<string>? items = null, string? average = "macro",
        int? numClasses = null, string collectDevice = "cpu", string? prefix = null)
        : base(prefix, collectDevice)
    {
        Thrs = thrs is { Count: > 0 } ? thrs : [0.0];
        Items = ClassificationStats.CheckItems(items, nameof(SingleLabelMetric));
        Average = ClassificationStats.CheckAverage(average, nameof(SingleLabelMetric));
        if (numClasses is <= 0) throw new KilnException($"SingleLabelMetric.num_classes = {numClasses}: must be positive.");
        NumClasses = numClasses;
    }

    protected override string DefaultPrefix => "single-label";

    public IReadOnlyList<double?> Thrs { get; }

    public IReadOnlyList<string> Items { get; }

    public string? Average { get; }

    public int? NumClasses { get; }

    /// <summary>Keeps per sample <c>[predicted class, its score (NaN without scores), true class, number of classes]</c>.</summary>
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples)
        {
            long gt = sample.GtLabel ?? throw new KilnException("SingleLabelMetric needs gt_label in every data sample.");
            if (sample.PredScore is { Length: > 0 } scores)
            {
                int best = 0;
                for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
                if (NumClasses is { } n && n != scores.Length)
                    throw new KilnException($"SingleLabelMetric.num_classes = {n}, but pred_score has {scores.Length} classes.");
                Results.Add(new double[] { best, scores[best], gt, scores.Length });
            }
            else if (sample.PredLabel is { } label)
            {
                int n = NumClasses ?? throw new KilnException("SingleLabelMetric: these predictions have pred_label only, so num_classes must be set (e.g. num_classes=10).");
                Results.Add(new double[] { label, double.NaN, gt, n });
            }
            else throw new KilnException("SingleLabelMetric needs pred_score or pred_label in every prediction.");
        }
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var rows = results.Cast<double[]>().ToList();
        int numClasses = (int)rows[0][3];
        if (rows.Any(r => (int)r[3] != numClasses))
            throw new KilnException("SingleLabelMetric: the predictions do not all have the same number of classes.");
        foreach (var r in rows)
            if (r[2] < 0 || r[2] >= numClasses)
                throw new KilnException($"SingleLabelMetric: gt_label {r[2]} is outside the {numClasses} classes.");
        var gt = rows.Select(r => OneHot((int)r[2], numClasses)).ToList();
        var metrics = new Dictionary<string, double>();
        bool scored = !double.IsNaN(rows[0][1]);
        if (!scored)
        {
            var pred = rows.Select(r => OneHot((int)r[0], numClasses)).ToList();
            ClassificationStats.Pack(metrics, Items, "", Average, ClassificationStats.Compute(pred, gt, numClasses, Average));
            return metrics;
        }
        foreach (var thr in Thrs)
        {
            // mmpretrain: pred_positive = one_hot(argmax); pred_positive[pred_score <= thr] = 0 (float32 scores against the
            // threshold, compared in float32 as torch compares a float tensor with a Python float).
            var pred = rows.Select(r => thr is { } t && (float)r[1] <= (float)t ? new int[numClasses] : OneHot((int)r[0], numClasses)).ToList();
            string suffix = Thrs.Count > 1 ? (thr is null ? "_no-thr" : "_thr-" + thr.Value.ToString("F2", CultureInfo.InvariantCulture)) : "";
            ClassificationStats.Pack(metrics, Items, suffix, Average, ClassificationStats.Compute(pred, gt, numClasses, Average));
        }
        return metrics;
    }

    /// <summary>Streams into per-class counts for every threshold (and without one, for label-only predictions).</summary>
    protected override MetricAccumulator CreateAccumulator() => new State(this);

    /// <summary>
    /// Per-class TP / predicted / true counts for each threshold and for plain arg-max predictions, the number of
    /// classes of the first result, and the first inconsistency seen (reported by <see cref="ComputeMetrics()"/> as
    /// <see cref="SingleLabelMetric.ComputeMetrics"/> reports it). Whether the scores or the labels decide is taken
    /// from the first result, as the kept-results form does.
    /// </summary>
    private sealed class State(SingleLabelMetric owner) : MetricAccumulator
    {
        private int _numClasses = -1;
        private bool _firstScored, _mismatch;
        private double? _badGt;
        private ClassificationStats.Counts? _plain;
        private ClassificationStats.Counts[] _perThr = [];

        private void Init(int numClasses, bool scored)
        {
            _numClasses = numClasses;
            _firstScored = scored;
            _plain = new ClassificationStats.Counts(numClasses);
            _perThr = owner.Thrs.Select(_ => new ClassificationStats.Counts(numClasses)).ToArray();
        }

        protected override void AddItem(object item)
        {
            var r = (double[])item;
            if (_numClasses < 0) Init((int)r[3], !double.IsNaN(r[1]));
            if ((int)r[3] != _numClasses) { _mismatch = true; return; }
            if (r[2] < 0 || r[2] >= _numClasses) { _badGt ??= r[2]; return; }
            int gt = (int)r[2], pred = (int)r[0];
            _plain!.AddOneHot(pred, gt);
            for (int t = 0; t < _perThr.Length; t++)
                _perThr[t].AddOneHot(owner.Thrs[t] is { } thr && (float)r[1] <= (float)thr ? -1 : pred, gt);
        }

        protected override void MergeState(MetricAccumulator other)
        {
            var o = (State)other;
            if (_numClasses < 0) Init(o._numClasses, o._firstScored);
            if (o._numClasses != _numClasses) { _mismatch = true; return; }
            _mismatch |= o._mismatch;
            _badGt ??= o._badGt;
            _plain!.Merge(o._plain!);
            for (int t = 0; t < _perThr.Length; t++) _perThr[t].Merge(o._perThr[t]);
        }

        public override object? ToPlain() => new List<object?>
        {
            (long)_numClasses, _firstScored, _mismatch, _badGt is { } b ? new[] { b } : Array.Empty<double>(),
            _plain!.ToPlain(), _perThr.Select(c => c.ToPlain()).ToList(),
        };

        protected override void LoadState(object? plain)
        {
            var p = (System.Collections.IList)plain!;
            _numClasses = (int)(long)p[0]!;
            _firstScored = (bool)p[1]!;
            _mismatch = (bool)p[2]!;
            _badGt = p[3] is double[] { Length: 1 } b ? b[0] : null;
            _plain = ClassificationStats.Counts.FromPlain(p[4]);
            _perThr = ((System.Collections.IList)p[5]!).Cast<object?>().Select(ClassificationStats.Counts.FromPlain).ToArray();
        }

        public override IReadOnlyDictionary<string, double> ComputeMetrics()
        {
            if (_mismatch) throw new KilnException("SingleLabelMetric: the predictions do not all have the same number of classes.");
            if (_badGt is { } bad) throw new KilnException($"SingleLabelMetric: gt_label {bad} is outside the {_numClasses} classes.");
            var metrics = new Dictionary<string, double>();
            if (!_firstScored)
            {
                ClassificationStats.Pack(metrics, owner.Items, "", owner.Average, _plain!.Stats(owner.Average));
                return metrics;
            }
            for (int t = 0; t < _perThr.Length; t++)
            {
                var thr = owner.Thrs[t];
                string suffix = owner.Thrs.Count > 1 ? (thr is null ? "_no-thr" : "_thr-" + thr.Value.ToString("F2", CultureInfo.InvariantCulture)) : "";
                ClassificationStats.Pack(metrics, owner.Items, suffix, owner.Average, _perThr[t].Stats(owner.Average));
            }
            return metrics;
        }
    }

    private static int[] OneHot(int index, int n)
    {
        var v = new int[n];
        if (index >= 0 && index < n) v[index] = 1;
        return v;
    }
}
