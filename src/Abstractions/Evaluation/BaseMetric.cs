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
        _results = new PlainResults(GetType().Name, this);
    }

    /// <summary>
    /// How many of a streaming metric's newest results stay unreduced in <see cref="Results"/> (the tail
    /// <see cref="Evaluate"/> may drop as a distributed sampler's padding); older ones are folded into the
    /// accumulator in chunks of this size, so at most twice this many are held.
    /// </summary>
    public const int StreamTail = 1024;

    private MetricAccumulator? _state;
    private bool? _streaming;

    /// <summary>
    /// The metric's running totals, or null (the default) when it keeps every result until <see cref="Evaluate"/>
    /// as MMEngine does. A metric whose maths reduces exactly to sums returns a fresh, empty
    /// <see cref="MetricAccumulator"/> here (called once per evaluation and once per rank's state when merging);
    /// its memory then stays flat however many samples it sees.
    /// </summary>
    protected virtual MetricAccumulator? CreateAccumulator() => null;

    /// <summary>
    /// Whether results are reduced into an accumulator as they come (true by default for metrics that have one) or
    /// kept until <see cref="Evaluate"/> and passed to <see cref="ComputeMetrics"/> (MMEngine's way; the only way for
    /// metrics without an accumulator). Both give the same values. Set it before the first <see cref="Process"/>.
    /// </summary>
    public bool Streaming
    {
        get => _streaming ??= CreateAccumulator() is not null;
        set
        {
            if (_results.Count > 0 || _state is not null)
                throw new KilnException($"{GetType().Name}.Streaming can only change before Process or after Evaluate (results are pending).");
            if (value && CreateAccumulator() is null)
                throw new KilnException($"{GetType().Name} has no accumulator (its maths needs every result, e.g. a ranking over all samples); it can only keep its results.");
            _streaming = value;
        }
    }

    /// <summary>How many results this process has seen since the last <see cref="Evaluate"/>: those held plus those folded into the accumulator.</summary>
    public long ProcessedCount => _results.Count + (_state?.Count ?? 0);

    /// <summary>Folds all but the newest <see cref="StreamTail"/> results into the accumulator once <see cref="StreamTail"/> · 2 are held.</summary>
    private void AfterAdd()
    {
        if (_results.Count < 2 * StreamTail || !Streaming) return;
        _state ??= CreateAccumulator()!;
        int fold = _results.Count - StreamTail;
        for (int i = 0; i < fold; i++) _state.Add(_results[i]);
        _results.RemoveFirst(fold);
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

    /// <summary>How many results this process holds now (for a streaming metric, the unreduced tail; see <see cref="ProcessedCount"/>).</summary>
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
        Func<IReadOnlyDictionary<string, double>> compute;
        if (Streaming) compute = CollectStreamed(size, group);
        else
        {
            var results = CollectResults(_results.ToList(), size, group);
            _results.Clear();
            if (results.Count == 0) throw NoResults(size);
            compute = () => ComputeMetrics(results);
        }

        byte[] payload = [];
        IReadOnlyDictionary<string, double>? metrics = null;
        Exception? failure = null;
        if (group.Rank == 0)
        {
            try
            {
                var computed = compute();
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

    private KilnException NoResults(int size)
        => new($"{GetType().Name} got no results to evaluate (size={size}): the evaluation dataloader yielded no samples, "
            + "or Process added nothing to Results. Check the val/test dataset is not empty and that the metric's Process adds one entry per sample.");

    /// <summary>
    /// The streaming form of <see cref="CollectResults"/>: each rank sends its folded state, its count and its
    /// unreduced tail; every rank works out, as <c>collect_results</c> would, how many of each rank's results fall
    /// inside <paramref name="size"/> once interleaved (<c>zip</c> stops at the shortest part; positions
    /// <c>i·W + r ≥ size</c> are padding), and rank 0 (the only one that computes) folds the kept part of each tail
    /// and merges the states in rank order. Clears this process's results and state.
    /// </summary>
    private Func<IReadOnlyDictionary<string, double>> CollectStreamed(int size, IProcessGroup group)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the dataset size cannot be negative.");
        var state = _state;
        var tail = _results.ToList();
        _state = null;
        _results.Clear();
        long folded = state?.Count ?? 0;
        var parts = new List<(long Folded, object? State, IReadOnlyList<object> Tail)>();
        if (group.WorldSize == 1) parts.Add((folded, state, tail));
        else
        {
            byte[] mine = PlainValues.Encode([folded, folded > 0 ? state!.ToPlain() : null, tail]);
            foreach (var bytes in group.AllGatherBytes(mine))
            {
                var part = PlainValues.Decode(bytes);
                parts.Add(((long)part[0]!, part[1], ((List<object?>)part[2]!).Cast<object>().ToList()));
            }
        }
        int world = parts.Count;
        long shortest = parts.Min(p => p.Folded + p.Tail.Count);
        var keep = new long[world];
        for (int r = 0; r < world; r++)
        {
            long count = parts[r].Folded + parts[r].Tail.Count;
            keep[r] = world == 1 ? Math.Min(count, size) : Math.Clamp((size - r + (long)world - 1) / world, 0, shortest);
            if (keep[r] < parts[r].Folded)
                throw new KilnException($"{GetType().Name} reduces its results as they come and can drop only the newest {StreamTail} of a process beyond size; "
                    + $"Evaluate(size={size}) would keep {keep[r]} of the {count} results of rank {r}, of which {parts[r].Folded} are already reduced. "
                    + $"Evaluate with the number of samples processed, or set Streaming = false before processing to keep every result.");
        }
        if (keep.Sum() == 0) throw NoResults(size);
        return () =>
        {
            var merged = CreateAccumulator()!;
            for (int r = 0; r < world; r++)
            {
                MetricAccumulator part;
                if (world == 1 && parts[r].State is MetricAccumulator local) part = local;
                else
                {
                    part = CreateAccumulator()!;
                    part.LoadPlain(parts[r].State, parts[r].Folded);
                }
                for (long i = 0; i < keep[r] - parts[r].Folded; i++) part.Add(parts[r].Tail[(int)i]);
                merged.Merge(part);
            }
            return merged.ComputeMetrics();
        };
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
    private sealed class PlainResults(string owner, BaseMetric metric) : Collection<object>
    {
        protected override void InsertItem(int index, object item)
        {
            PlainValues.Require(item, $"{owner}.Results");
            base.InsertItem(index, item);
            metric.AfterAdd();
        }

        public void RemoveFirst(int count) => ((List<object>)Items).RemoveRange(0, count);

        protected override void SetItem(int index, object item)
        {
            PlainValues.Require(item, $"{owner}.Results");
            base.SetItem(index, item);
        }

        public List<object> ToList() => [.. Items];
    }
}
