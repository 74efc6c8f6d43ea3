using System.Globalization;
using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Metrics;

/// <summary>
/// mmpretrain's <c>AveragePrecision</c> (multi_label.py): per class, samples sorted by score (descending; the earlier
/// sample first on a tie), AP = Σ over positives of precision at that rank / number of positives (targets of −1
/// dropped; a class without positives scores 0). <c>average='macro'</c> reports <c>mAP</c> = mean AP · 100;
/// None reports <c>AP_classwise/c</c> per class. Default prefix <c>multi-label</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class AveragePrecision : BaseMetric
{
    public AveragePrecision(string? average = "macro", string collectDevice = "cpu", string? prefix = null)
        : base(prefix, collectDevice)
    {
        Average = ClassificationStats.CheckAverage(average, nameof(AveragePrecision), allowMicro: false);
    }

    protected override string DefaultPrefix => "multi-label";

    public string? Average { get; }

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples) => ScoredTargets.Add(Results, dataSamples, nameof(AveragePrecision));

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var (scores, targets, numClasses) = ScoredTargets.Read(results, nameof(AveragePrecision));
        var ap = new double[numClasses];
        for (int c = 0; c < numClasses; c++)
        {
            var valid = Enumerable.Range(0, scores.Count).Where(n => targets[n][c] > -1)
                .OrderByDescending(n => scores[n][c]).ThenBy(n => n).ToList();
            double tps = 0, sum = 0;
            for (int rank = 0; rank < valid.Count; rank++)
            {
                if (targets[valid[rank]][c] != 1) continue;
                tps++;
                sum += tps / (rank + 1);
            }
            ap[c] = sum / Math.Max(tps, ClassificationStats.Eps);
        }
        var metrics = new Dictionary<string, double>();
        if (Average is null)
            for (int c = 0; c < numClasses; c++) metrics["AP_classwise/" + c.ToString(CultureInfo.InvariantCulture)] = ap[c] * 100;
        else metrics["mAP"] = ap.Average() * 100;
        return metrics;
    }
}
