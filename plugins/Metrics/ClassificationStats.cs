using System.Globalization;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// mmpretrain's <c>_precision_recall_f1_support</c> (single_label.py) over 0/1 prediction and target matrices:
/// per class TP, predicted and true counts; precision = TP / max(pred, 1) · 100, recall = TP / max(gt, 1) · 100,
/// F1 = 2PR / max(P + R, eps); <c>micro</c> flattens the matrices first, <c>macro</c> averages the per-class
/// values; support is the number of positive targets (summed unless per-class). Targets of −1 are ignored.
/// </summary>
internal static class ClassificationStats
{
    public static readonly string[] AllItems = ["precision", "recall", "f1-score", "support"];

    public static string? CheckAverage(string? average, string owner, bool allowMicro = true)
    {
        if (average is null || average == "macro" || (allowMicro && average == "micro")) return average;
        throw new KilnException($"{owner}.average = '{average}': must be {(allowMicro ? "'macro', 'micro'" : "'macro'")} or None, as in mmpretrain.");
    }

    public static IReadOnlyList<string> CheckItems(IReadOnlyList<string>? items, string owner)
    {
        items ??= ["precision", "recall", "f1-score"];
        foreach (var item in items)
            if (!AllItems.Contains(item))
                throw new KilnException($"{owner}.items: The metric {item} is not supported; choose from \"precision\", \"recall\", \"f1-score\" and \"support\".");
        return items;
    }

    /// <summary>Precision, recall, F1 and support; one value each (macro/micro) or one per class (None).</summary>
    public static (double[] Precision, double[] Recall, double[] F1, double[] Support) Compute(IReadOnlyList<int[]> pred, IReadOnlyList<int[]> gt, int numClasses, string? average)
    {
        var tp = new double[numClasses];
        var predSum = new double[numClasses];
        var gtSum = new double[numClasses];
        for (int n = 0; n < pred.Count; n++)
            for (int c = 0; c < numClasses; c++)
            {
                int g = gt[n][c];
                int p = g == -1 ? 0 : pred[n][c];
                if (g == -1) g = 0;
                tp[c] += p & g;
                predSum[c] += p;
                gtSum[c] += g;
            }
        return FromCounts(tp, predSum, gtSum, average);
    }

    /// <summary>
    /// <see cref="Compute"/> from per-class counts: true positives, predicted positives and true positives in the
    /// targets (what the streaming metrics accumulate; the arrays are not changed).
    /// </summary>
    public static (double[] Precision, double[] Recall, double[] F1, double[] Support) FromCounts(double[] tp, double[] predSum, double[] gtSum, string? average)
    {
        if (average == "micro")
        {
            tp = [tp.Sum()];
            predSum = [predSum.Sum()];
            gtSum = [gtSum.Sum()];
        }
        int m = tp.Length;
        var precision = new double[m];
        var recall = new double[m];
        var f1 = new double[m];
        for (int c = 0; c < m; c++)
        {
            precision[c] = tp[c] / Math.Max(predSum[c], 1) * 100;
            recall[c] = tp[c] / Math.Max(gtSum[c], 1) * 100;
            f1[c] = 2 * precision[c] * recall[c] / Math.Max(precision[c] + recall[c], Eps);
        }
        if (average is "macro" or "micro")
            return ([precision.Average()], [recall.Average()], [f1.Average()], [gtSum.Sum()]);
        return (precision, recall, f1, gtSum);
    }

    /// <summary>torch.finfo(torch.float32).eps.</summary>
    public const double Eps = 1.1920928955078125e-07;

    /// <summary>
    /// Adds the requested items under mmpretrain's names: <c>{item}{suffix}</c> for macro, <c>{item}{suffix}_micro</c>
    /// for micro, and per class <c>{item}{suffix}_classwise/{c}</c> (mmpretrain returns one list under
    /// <c>{item}_classwise</c>; Kiln's metrics are numbers, so each class is its own entry).
    /// </summary>
    public static void Pack(Dictionary<string, double> metrics, IReadOnlyList<string> items, string suffix, string? average,
        (double[] Precision, double[] Recall, double[] F1, double[] Support) stats)
    {
        foreach (var item in AllItems)
        {
            if (!items.Contains(item)) continue;
            var values = item switch { "precision" => stats.Precision, "recall" => stats.Recall, "f1-score" => stats.F1, _ => stats.Support };
            string name = item + suffix;
            if (average is null)
                for (int c = 0; c < values.Length; c++) metrics[$"{name}_classwise/{c.ToString(CultureInfo.InvariantCulture)}"] = values[c];
            else if (average == "micro") metrics[name + "_micro"] = values[0];
            else metrics[name] = values[0];
        }
    }

    /// <summary>
    /// Per-class counts for <see cref="FromCounts"/>, accumulated a sample at a time with exactly the integer maths of
    /// <see cref="Compute"/> (a target of −1 is ignored: neither predicted nor true). Counts are exact in a double up to 2^53.
    /// </summary>
    public sealed class Counts(int numClasses)
    {
        public double[] Tp { get; } = new double[numClasses];
        public double[] PredSum { get; } = new double[numClasses];
        public double[] GtSum { get; } = new double[numClasses];

        public int NumClasses => Tp.Length;

        /// <summary>One sample: <paramref name="pred"/> and <paramref name="gt"/> as 0/1 (gt −1: ignored) per class.</summary>
        public void Add(ReadOnlySpan<int> pred, ReadOnlySpan<int> gt)
        {
            for (int c = 0; c < Tp.Length; c++)
            {
                int g = gt[c];
                int p = g == -1 ? 0 : pred[c];
                if (g == -1) g = 0;
                Tp[c] += p & g;
                PredSum[c] += p;
                GtSum[c] += g;
            }
        }

        /// <summary>
        /// One single-label sample as one-hot vectors, without building them: the true class <paramref name="gt"/>
        /// (in range) and the predicted class <paramref name="pred"/> (none when outside the classes, e.g. −1).
        /// </summary>
        public void AddOneHot(int pred, int gt)
        {
            GtSum[gt]++;
            if (pred < 0 || pred >= Tp.Length) return;
            PredSum[pred]++;
            if (pred == gt) Tp[pred]++;
        }

        public void Merge(Counts other)
        {
            for (int c = 0; c < Tp.Length; c++)
            {
                Tp[c] += other.Tp[c];
                PredSum[c] += other.PredSum[c];
                GtSum[c] += other.GtSum[c];
            }
        }

        public object ToPlain() => new List<object?> { Tp.ToArray(), PredSum.ToArray(), GtSum.ToArray() };

        public static Counts FromPlain(object? plain)
        {
            var p = (System.Collections.IList)plain!;
            var tp = (double[])p[0]!;
            var counts = new Counts(tp.Length);
            tp.CopyTo(counts.Tp, 0);
            ((double[])p[1]!).CopyTo(counts.PredSum, 0);
            ((double[])p[2]!).CopyTo(counts.GtSum, 0);
            return counts;
        }

        public (double[] Precision, double[] Recall, double[] F1, double[] Support) Stats(string? average) => FromCounts(Tp, PredSum, GtSum, average);
    }

    /// <summary>A sample's target as a 0/1 vector: <c>gt_score</c>, or <c>gt_label</c> (one index or several) one-hot.</summary>
    public static float[] Target(DataSample sample, int numClasses, string owner)
    {
        if (sample.Fields.TryGetValue("gt_score", out var s) && s is float[] score) return (float[])score.Clone();
        var onehot = new float[numClasses];
        sample.Fields.TryGetValue("gt_label", out var raw);
        IEnumerable<long> labels = raw switch
        {
            long l => [l],
            int i => [i],
            long[] ls => ls,
            int[] ins => ins.Select(x => (long)x),
            float[] fs => fs.Select(x => (long)x),
            _ => throw new KilnException($"{owner} needs gt_score or gt_label (a class index or a list of them) in every data sample."),
        };
        foreach (long l in labels)
        {
            if (l < 0 || l >= numClasses) throw new KilnException($"{owner}: gt_label {l} is outside the {numClasses} classes of pred_score.");
            onehot[l] = 1;
        }
        return onehot;
    }
}
