using Kiln.Structures;

namespace Kiln.Evaluation;

/// <summary>
/// MMEngine's <c>BaseMetric</c>: <see cref="Process"/> turns each batch's predictions into small plain results
/// (numbers, short arrays; never tensors), <see cref="ComputeMetrics"/> reduces them once per evaluation.
/// </summary>
public abstract class BaseMetric
{
    private readonly List<object> _results = [];

    /// <param name="prefix">Put before every metric name as <c>prefix/name</c>; <see cref="DefaultPrefix"/> when null.</param>
    /// <param name="collectDevice">Where results are gathered across processes (<c>cpu</c> or <c>gpu</c>).</param>
    protected BaseMetric(string? prefix = null, string collectDevice = "cpu")
    {
        Prefix = prefix ?? DefaultPrefix;
        CollectDevice = collectDevice;
    }

    /// <summary>The prefix a metric class uses when the config gives none (MMEngine's <c>default_prefix</c>).</summary>
    protected virtual string? DefaultPrefix => null;

    public string? Prefix { get; }

    public string CollectDevice { get; }

    /// <summary>The dataset's meta information, set by the evaluator before processing.</summary>
    public IReadOnlyDictionary<string, object?> DatasetMeta { get; set; } = new Dictionary<string, object?>();

    /// <summary>Results gathered since the last <see cref="Evaluate"/>.</summary>
    protected IList<object> Results => _results;

    /// <summary>Adds this batch's results to <see cref="Results"/>.</summary>
    public abstract void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples);

    /// <summary>Reduces all results to named metrics (names without the prefix).</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results);

    /// <summary>
    /// Computes the metrics over every processed sample, prefixes their names, and clears the results.
    /// <paramref name="size"/> is the dataset length; results beyond it (padding by a distributed sampler) are dropped.
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(int size)
    {
        if (_results.Count == 0)
            throw new KilnException($"{GetType().Name} got an empty results list; check that the validation dataloader yields data and that Process adds results.");
        var results = _results.Count > size ? _results.GetRange(0, size) : _results.ToList();
        var metrics = ComputeMetrics(results);
        _results.Clear();
        return Prefix is null
            ? metrics
            : metrics.ToDictionary(kv => $"{Prefix}/{kv.Key}", kv => kv.Value);
    }
}
