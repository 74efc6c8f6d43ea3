using System.Collections.ObjectModel;
using Kiln.Distributed;
using Kiln.Structures;

namespace Kiln.Evaluation;

/// <summary>
/// MMEngine's <c>BaseMetric</c> (mmengine/evaluator/metric.py): <see cref="Process"/> turns each batch's predictions
/// into small plain results (numbers, short arrays, lists and dicts of them; never tensors, which
/// <see cref="Results"/> refuses), <see cref="Evaluate"/> gathers them from every rank (<see cref="CollectResults"/>),
/// reduces them with <see cref="ComputeMetrics"/> on rank 0, prefixes the names and shares them with every rank.
/// </summary>
public abstract class BaseMetric
{
    private readonly PlainResults _results;

    /// <param name="prefix">Put before every metric name as <c>prefix/name</c>; <see cref="DefaultPrefix"/> when null or empty (MMEngine's <c>prefix or default_prefix</c>).</param>
    /// <param name="collectDevice">Where results are gathered across processes: <c>cpu</c> or <c>gpu</c> (both go through the process group's byte gather).</param>
    protected BaseMetric(string? prefix = null, string collectDevice = "cpu")
    {
        if (collectDevice is not ("cpu" or "gpu"))
            throw new KilnException($"{GetType().Name}.collect_device = '{collectDevice}': must be 'cpu' or 'gpu', as in MMEngine.");
        Prefix = string.IsNullOrEmpty(prefix) ? DefaultPrefix : prefix;
        CollectDevice = collectDevice;
        _results = new PlainResults(GetType().Name);
    }

    /// <summary>The prefix a metric class uses when the config gives none (MMEngine's <c>default_prefix</c>).</summary>
    protected virtual string? DefaultPrefix => null;

    public string? Prefix { get; }

    public string CollectDevice { get; }

    /// <summary>The dataset's meta information, set by the evaluator before processing.</summary>
    public IReadOnlyDictionary<string, object?> DatasetMeta { get; set; } = new Dictionary<string, object?>();

    /// <summary>
    /// Results gathered since the last <see cref="Evaluate"/>. Adding a tensor or any other non-plain value is a
    /// <see cref="KilnException"/>: results outlive the batch's dispose scope and travel between ranks as bytes.
    /// </summary>
    protected IList<object> Results => _results;

    /// <summary>How many results this process holds now.</summary>
    public int ResultCount => _results.Count;

    /// <summary>Adds this batch's results to <see cref="Results"/>.</summary>
    public abstract void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples);

    /// <summary>Reduces all results to named metrics (names without the prefix).</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results);

    /// <summary>
    /// Computes the metrics over every processed sample of every rank, prefixes their names, and clears the results.
    /// <paramref name="size"/> is the dataset length; results beyond it (padding by a distributed sampler) are dropped.
    /// No result on any rank is an error (MMEngine only warns, then fails inside <c>compute_metrics</c>).
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(int size)
    {
        var group = Dist.Current;
        var results = CollectResults(_results.ToList(), size, group);
        _results.Clear();
        if (results.Count == 0)
            throw new KilnException($"{GetType().Name} got no results to evaluate (size={size}): the evaluation dataloader yielded no samples, "
                + "or Process added nothing to Results. Check the val/test dataset is not empty and that the metric's Process adds one entry per sample.");

        byte[] payload = [];
        IReadOnlyDictionary<string, double>? metrics = null;
        Exception? failure = null;
        if (group.Rank == 0)
        {
            try
            {
                var computed = ComputeMetrics(results);
                metrics = string.IsNullOrEmpty(Prefix)
                    ? new Dictionary<string, double>(computed)
                    : computed.ToDictionary(kv => $"{Prefix}/{kv.Key}", kv => kv.Value);
            }
            catch (Exception e) when (group.WorldSize > 1)
            {
                // The other ranks wait for rank 0's metrics: tell them it failed instead of leaving them waiting.
                failure = e;
                payload = PlainValues.Encode(["error", $"{GetType().Name}.ComputeMetrics failed on rank 0: {e.Message}"]);
            }
            if (group.WorldSize == 1) return metrics!;
            if (failure is null) payload = PlainValues.Encode(["metrics", metrics!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value)]);
        }
        // MMEngine's broadcast_object_list: rank 0's metrics reach every rank.
        var shared = PlainValues.Decode(group.AllGatherBytes(payload)[0]);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        if (metrics is not null) return metrics;
        if ((string)shared[0]! == "error") throw new KilnException((string)shared[1]!);
        var dict = (Dictionary<string, object?>)shared[1]!;
        return dict.ToDictionary(kv => kv.Key, kv => (double)kv.Value!);
    }

    /// <summary>
    /// MMEngine's <c>collect_results</c> (cpu and gpu modes alike): every rank's results gathered in rank order, then
    /// interleaved (<c>for res in zip(*part_list): ordered.extend(res)</c>, so <c>zip</c> stops at the shortest part)
    /// and cut to <paramref name="size"/>. A sampler that gives rank r the indices
    /// <c>r, r+W, r+2W, …</c> thus yields the dataset's order. One process: the results cut to <paramref name="size"/>.
    /// Every rank gets the full list.
    /// </summary>
    public static List<object> CollectResults(IReadOnlyList<object> results, int size, IProcessGroup group)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the dataset size cannot be negative.");
        if (group.WorldSize == 1)
            return results.Count > size ? results.Take(size).ToList() : results.ToList();
        var parts = group.AllGatherBytes(PlainValues.Encode(results)).Select(b => PlainValues.Decode(b)!).ToList();
        int shortest = parts.Min(p => p.Count);
        var ordered = new List<object>(shortest * parts.Count);
        for (int i = 0; i < shortest; i++)
            foreach (var part in parts) ordered.Add(part[i]!);
        return ordered.Count > size ? ordered.GetRange(0, size) : ordered;
    }

    /// <summary>A list that refuses tensors and other non-plain values as they are added.</summary>
    private sealed class PlainResults(string owner) : Collection<object>
    {
        protected override void InsertItem(int index, object item)
        {
            PlainValues.Require(item, $"{owner}.Results");
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, object item)
        {
            PlainValues.Require(item, $"{owner}.Results");
            base.SetItem(index, item);
        }

        public List<object> ToList() => [.. Items];
    }
}
