using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Examples.MyAwesomeModel;

/// <summary>
/// The tutorials' <c>Accuracy</c> metric (spec L2627–2639): per batch, its size and how many arg-max scores equal the
/// label; at the end <c>accuracy = 100 × correct / total</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class Accuracy : BaseMetric
{
    public Accuracy() : base(null) { }

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        long correct = 0;
        foreach (var sample in dataSamples)
        {
            var score = sample.PredScore ?? throw new KilnException("Accuracy: a prediction has no pred_score.");
            long gt = sample.GtLabel ?? throw new KilnException("Accuracy: a data sample has no gt_label.");
            if (ArgMax(score) == gt) correct++;
        }
        Results.Add(new Dictionary<string, object?> { ["batch_size"] = (long)dataSamples.Count, ["correct"] = correct });
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        long totalCorrect = 0, totalSize = 0;
        foreach (IReadOnlyDictionary<string, object?> r in results)
        {
            totalCorrect += Convert.ToInt64(r["correct"]);
            totalSize += Convert.ToInt64(r["batch_size"]);
        }
        return new Dictionary<string, double> { ["accuracy"] = 100.0 * totalCorrect / totalSize };
    }

    private static int ArgMax(float[] scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        return best;
    }
}
