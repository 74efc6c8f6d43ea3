using System.Collections;
using Kiln.Config;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Evaluation;

/// <summary>
/// MMEngine's <c>Evaluator</c> (mmengine/evaluator/evaluator.py): passes every batch's predictions to each metric,
/// then merges their results. Two metrics producing the same name is MMEngine's error ("There are multiple
/// evaluation results with the same metric name ..."). <see cref="OfflineEvaluate"/> runs the metrics over saved
/// predictions (MMEngine's <c>offline_evaluate</c>), e.g. the entries of a <see cref="DumpResults"/> file.
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

    /// <summary>Each metric's <see cref="BaseMetric.Evaluate"/> over <paramref name="size"/> samples, merged into one dict.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(int size)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
            foreach (var (key, value) in metric.Evaluate(size))
                if (!merged.TryAdd(key, value))
                    throw new KilnException($"There are multiple evaluation results with the same metric name {key}. Please make sure all metrics have different prefixes "
                        + $"(the second comes from {metric.GetType().Name}; set its prefix= in the evaluator config).");
        return merged;
    }

    /// <summary>
    /// MMEngine's <c>offline_evaluate(data_samples, data=None, chunk_size=1)</c>: feeds the saved predictions (and,
    /// when given, the matching data items, which must be as many) to <see cref="Process"/> in chunks of
    /// <paramref name="chunkSize"/>, then evaluates over all of them. Entries may be <see cref="DataSample"/>s or
    /// the plain dicts <see cref="DumpResults"/> writes (see <see cref="ToDataSample"/>).
    /// </summary>
    public IReadOnlyDictionary<string, double> OfflineEvaluate(IReadOnlyList<object?> dataSamples, IReadOnlyList<object>? data = null, int chunkSize = 1)
    {
        if (chunkSize < 1) throw new KilnException($"offline evaluation chunk_size = {chunkSize}: must be at least 1.");
        if (data is not null && data.Count != dataSamples.Count)
            throw new KilnException($"data_samples and data should have the same length, but got data_samples length: {dataSamples.Count} data length: {data.Count}");
        if (dataSamples.Count == 0)
            throw new KilnException("offline evaluation got no data samples: the predictions list is empty.");
        for (int start = 0; start < dataSamples.Count; start += chunkSize)
        {
            int n = Math.Min(chunkSize, dataSamples.Count - start);
            var samples = new DataSample[n];
            for (int i = 0; i < n; i++) samples[i] = ToDataSample(dataSamples[start + i], start + i);
            var inputs = data is null ? [] : data.Skip(start).Take(n).ToList();
            Process(samples, new DataBatch(inputs, samples));
        }
        return Evaluate(dataSamples.Count);
    }

    /// <summary>
    /// A saved prediction as a <see cref="DataSample"/>: a <see cref="DataSample"/> as is, or a dict as
    /// <see cref="DumpResults"/> writes it (<c>BaseDataElement.to_dict()</c>: meta and data keys together). In a dict,
    /// <c>gt_label</c>/<c>pred_label</c> become labels (a one-element list too, as mmpretrain dumps them),
    /// <c>pred_score</c>/<c>gt_score</c> float arrays, and every other key a data field (numeric lists as
    /// <c>float[]</c>, nested ones unchanged).
    /// </summary>
    public static DataSample ToDataSample(object? entry, int index)
    {
        if (entry is DataSample ready) return ready;
        if (entry is not IDictionary dict)
            throw new KilnException($"saved prediction #{index} is a {entry?.GetType().Name ?? "None"}; offline evaluation needs a dict per sample (as DumpResults writes) or a DataSample.");
        var sample = new DataSample();
        foreach (DictionaryEntry e in dict)
        {
            string key = e.Key as string ?? throw new KilnException($"saved prediction #{index} has a non-string key {e.Key}.");
            switch (key)
            {
                case "gt_label" or "pred_label":
                    sample.Set(key, Label(e.Value, key, index));
                    break;
                case "pred_score" or "gt_score":
                    sample.Set(key, Numbers(e.Value) ?? throw new KilnException($"saved prediction #{index}: '{key}' must be a list of numbers, got {e.Value?.GetType().Name ?? "None"}."));
                    break;
                case "sample_idx" or "img_shape" or "ori_shape" or "img_path" or "scale_factor" or "num_classes":
                    sample.SetMetaInfo(key, e.Value);
                    break;
                default:
                    sample.Set(key, Numbers(e.Value) ?? e.Value);
                    break;
            }
        }
        return sample;
    }

    private static long? Label(object? value, string key, int index) => value switch
    {
        null => null,
        long l => l,
        int i => i,
        IList { Count: 1 } one => Label(one[0], key, index),
        _ => throw new KilnException($"saved prediction #{index}: '{key}' must be an integer class index, got {value}."),
    };

    /// <summary>A flat list of numbers (or a numeric array) as <c>float[]</c>; anything else null.</summary>
    private static float[]? Numbers(object? value)
    {
        switch (value)
        {
            case float[] f: return f;
            case double[] d: return d.Select(x => (float)x).ToArray();
            case IList list when value is not string:
                var result = new float[list.Count];
                for (int i = 0; i < list.Count; i++)
                {
                    switch (list[i])
                    {
                        case double d: result[i] = (float)d; break;
                        case float f: result[i] = f; break;
                        case long l: result[i] = l; break;
                        case int n: result[i] = n; break;
                        case bool b: result[i] = b ? 1 : 0; break;
                        default: return null;
                    }
                }
                return result;
            default: return null;
        }
    }

    /// <summary>Reads a <see cref="DumpResults"/> pickle and evaluates it offline (what <c>kiln eval</c> runs).</summary>
    public IReadOnlyDictionary<string, double> OfflineEvaluateFile(string path, int chunkSize = 1)
    {
        var entries = DumpResults.Load(path);
        if (entries.Count == 0) throw new KilnException($"{path} holds an empty list of results; there is nothing to evaluate.");
        return OfflineEvaluate(entries, null, chunkSize);
    }

    /// <summary>
    /// MMEngine's <c>Runner.build_evaluator</c> outside a Runner (for <c>kiln eval</c>): a metric dict, a list of them,
    /// or <c>dict(type='Evaluator', metrics=[...])</c>, built in <paramref name="defaultScope"/>.
    /// </summary>
    public static Evaluator FromConfig(object? cfg, IComponentBuilder builder, string keyPath, string? defaultScope)
    {
        using var scope = DefaultScope.Overwrite(defaultScope);
        switch (cfg)
        {
            case Evaluator ready: return ready;
            case BaseMetric metric: return new Evaluator([metric]);
            case ConfigDict { Type: "Evaluator" } evaluator: return builder.Build<Evaluator>(Registries.Evaluator, evaluator, null, keyPath);
        }
        var metricCfgs = cfg switch
        {
            ConfigDict single => [single],
            List<object?> list => list,
            _ => throw new KilnException($"{keyPath} must be a metric dict or a list of them, e.g. dict(type='metrics.Accuracy')."),
        };
        var metrics = metricCfgs.Select((m, i) => m switch
        {
            BaseMetric ready => ready,
            ConfigDict d => builder.Build<BaseMetric>(Registries.Metrics, d, null, metricCfgs.Count == 1 ? keyPath : $"{keyPath}[{i}]"),
            _ => throw new KilnException($"{keyPath}[{i}] must be a metric dict or a BaseMetric."),
        }).ToList();
        return new Evaluator(metrics);
    }
}
