using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Evaluation;

/// <summary>
/// MMEngine's <c>Evaluator</c>: passes every batch's predictions to each metric, then merges their results.
/// Two metrics producing the same key is an error naming the key.
/// </summary>
[Register(Registries.Evaluator)]
public sealed class Evaluator(IReadOnlyList<BaseMetric> metrics)
{
    public IReadOnlyList<BaseMetric> Metrics { get; } = metrics.Count > 0 ? metrics
        : throw new KilnException("an evaluator needs at least one metric (val_evaluator / test_evaluator).");

    /// <summary>Gives each metric the dataset's meta information.</summary>
    public IReadOnlyDictionary<string, object?> DatasetMeta
    {
        set
        {
            foreach (var metric in Metrics) metric.DatasetMeta = value;
        }
    }

    public void Process(IReadOnlyList<DataSample> dataSamples, DataBatch dataBatch)
    {
        foreach (var metric in Metrics) metric.Process(dataBatch, dataSamples);
    }

    public IReadOnlyDictionary<string, double> Evaluate(int size)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
            foreach (var (key, value) in metric.Evaluate(size))
                if (!merged.TryAdd(key, value))
                    throw new KilnException($"two metrics both report '{key}'; give one of them a different prefix= in the evaluator config.");
        return merged;
    }
}
