using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// mmpretrain's <c>ConfusionMatrix</c> (single_label.py): counts of (true class, predicted class) pairs; rows are the
/// true classes and columns the predictions (<c>bincount(num_classes * gt + pred)</c>). The prediction is the
/// arg-max of <c>pred_score</c> (lower index on a tie), or <c>pred_label</c> with <c>num_classes</c> set.
/// mmpretrain returns the matrix as <c>confusion_matrix/result</c>; Kiln's metric values are numbers, so the matrix
/// is kept in <see cref="Result"/> (and the evaluation reports no scalar), and <see cref="Plot"/> draws it to a PNG
/// (mmpretrain's <c>ConfusionMatrix.plot</c>). Default prefix <c>confusion_matrix</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class ConfusionMatrix : BaseMetric
{
    public ConfusionMatrix(int? numClasses = null, string collectDevice = "cpu", string? prefix = null)
        : base(prefix, collectDevice)
    {
        if (numClasses is <= 0) throw new KilnException($"ConfusionMatrix.num_classes = {numClasses}: must be positive.");
        NumClasses = numClasses;
    }

    protected override string DefaultPrefix => "confusion_matrix";

    public int? NumClasses { get; }

    /// <summary>The matrix of the last evaluation: <c>Result[gt, pred]</c>, or null before one.</summary>
    public long[,]? Result { get; private set; }

    /// <summary>Keeps per sample <c>[pred, gt, num_classes]</c>.</summary>
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples)
        {
            long gt = sample.GtLabel ?? throw new KilnException("ConfusionMatrix needs gt_label in every data sample.");
            if (sample.PredScore is { Length: > 0 } scores)
            {
                int best = 0;
                for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
                Results.Add(new long[] { best, gt, NumClasses ?? scores.Length });
            }
            else if (sample.PredLabel is { } label)
                Results.Add(new long[] { label, gt, NumClasses ?? throw new KilnException("ConfusionMatrix: these predictions have pred_label only, so num_classes must be set.") });
            else throw new KilnException("ConfusionMatrix needs pred_score or pred_label in every prediction.");
        }
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var rows = results.Cast<long[]>().ToList();
        Result = Calculate(rows.Select(r => r[0]).ToList(), rows.Select(r => r[1]).ToList(), (int)rows[0][2]);
        return new Dictionary<string, double>();
    }

    /// <summary>Streams into the matrix itself (sized by the first result's number of classes, as <see cref="ComputeMetrics"/>).</summary>
    protected override MetricAccumulator CreateAccumulator() => new State(this);

    /// <summary>The running matrix (row-major <c>[gt, pred]</c>) and the first out-of-range sample, reported as <see cref="Calculate"/> reports it.</summary>
    private sealed class State(ConfusionMatrix owner) : MetricAccumulator
    {
        private int _n = -1;
        private long[] _matrix = [];
        private string? _error;

        protected override void AddItem(object item)
        {
            var r = (long[])item;
            if (_n < 0) { _n = (int)r[2]; _matrix = new long[(long)_n * _n]; }
            if (r[1] < 0 || r[1] >= _n || r[0] < 0 || r[0] >= _n)
            {
                _error ??= $"ConfusionMatrix: sample {Count} has gt {r[1]} / pred {r[0]} outside the {_n} classes.";
                return;
            }
            _matrix[r[1] * _n + r[0]]++;
        }

        protected override void MergeState(MetricAccumulator other)
        {
            var o = (State)other;
            if (_n < 0) { _n = o._n; _matrix = new long[o._matrix.Length]; }
            // A later part's error is the first only when this part has none (parts merge in rank order).
            _error ??= o._error;
            if (o._n != _n) { _error ??= $"ConfusionMatrix: the results have {_n} and {o._n} classes."; return; }
            for (int i = 0; i < _matrix.Length; i++) _matrix[i] += o._matrix[i];
        }

        public override object? ToPlain() => new List<object?> { (long)_n, _matrix.ToArray(), _error ?? "" };

        protected override void LoadState(object? plain)
        {
            var p = (System.Collections.IList)plain!;
            _n = (int)(long)p[0]!;
            _matrix = ((long[])p[1]!).ToArray();
            _error = (string)p[2]! is { Length: > 0 } e ? e : null;
        }

        public override IReadOnlyDictionary<string, double> ComputeMetrics()
        {
            if (_error is not null) throw new KilnException(_error);
            var result = new long[_n, _n];
            for (int g = 0; g < _n; g++)
                for (int p = 0; p < _n; p++) result[g, p] = _matrix[g * _n + p];
            owner.Result = result;
            return new Dictionary<string, double>();
        }
    }

    /// <summary>mmpretrain's <c>ConfusionMatrix.calculate(pred, target, num_classes)</c> for label indices.</summary>
    public static long[,] Calculate(IReadOnlyList<long> pred, IReadOnlyList<long> target, int numClasses)
    {
        if (pred.Count != target.Count) throw new KilnException($"ConfusionMatrix: {pred.Count} predictions but {target.Count} targets.");
        var matrix = new long[numClasses, numClasses];
        for (int i = 0; i < pred.Count; i++)
        {
            if (target[i] < 0 || target[i] >= numClasses || pred[i] < 0 || pred[i] >= numClasses)
                throw new KilnException($"ConfusionMatrix: sample {i} has gt {target[i]} / pred {pred[i]} outside the {numClasses} classes.");
            matrix[target[i], pred[i]]++;
        }
        return matrix;
    }

    /// <summary>
    /// Draws <paramref name="matrix"/> as a heat map PNG (true classes down, predictions across, counts in the cells
    /// when <paramref name="includeValues"/>), as mmpretrain's <c>ConfusionMatrix.plot</c>.
    /// </summary>
    public static void Plot(long[,] matrix, string path, IReadOnlyList<string>? classes = null, bool includeValues = true)
    {
        int n = matrix.GetLength(0);
        if (n == 0 || matrix.GetLength(1) != n) throw new KilnException("ConfusionMatrix.Plot needs a square, non-empty matrix.");
        if (classes is not null && classes.Count != n) throw new KilnException($"ConfusionMatrix.Plot: {classes.Count} class names for {n} classes.");
        var data = new double[n, n];
        long max = 0;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) { data[r, c] = matrix[r, c]; max = Math.Max(max, matrix[r, c]); }
        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // ScottPlot's extent names the outer cells' centres (the drawn area is one cell larger): cell (r, c) centred at (c, n-1-r).
        if (n > 1) heatmap.Extent = new ScottPlot.CoordinateRect(0, n - 1, 0, n - 1);
        plot.Add.ColorBar(heatmap);
        if (includeValues)
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                {
                    var text = plot.Add.Text(matrix[r, c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                    text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                    text.LabelFontColor = matrix[r, c] * 2 > max ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                }
        var names = classes ?? Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, n).Select(i => (double)i).ToArray(), names.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), names.ToArray());
        plot.Title("Confusion Matrix");
        plot.XLabel("Predicted label");
        plot.YLabel("True label");
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(path, 120 + 60 * Math.Max(n, 4), 80 + 60 * Math.Max(n, 4));
    }
}
