namespace Kiln.Evaluation;

/// <summary>
/// A metric's running totals of constant size, for metrics whose maths reduces exactly to sums (counts per class,
/// a confusion matrix, sums of per-sample values). A metric opts in by returning one from
/// <see cref="BaseMetric.CreateAccumulator"/>; its <c>Process</c> still adds one plain result per sample to
/// <c>Results</c>, and <see cref="BaseMetric"/> folds the older ones into the accumulator with <see cref="Add"/>,
/// keeping only a short tail so that <see cref="BaseMetric.Evaluate"/> can still drop a distributed sampler's padding.
/// Across ranks, each rank's state travels as a plain value (<see cref="ToPlain"/> / <see cref="LoadPlain"/>) and
/// rank 0 merges them in rank order (<see cref="Merge"/>) before <see cref="ComputeMetrics"/>.
/// Kiln addition: MMEngine keeps every sample's result until <c>evaluate</c>.
/// </summary>
public abstract class MetricAccumulator
{
    /// <summary>How many per-sample results have been folded in (merged states included).</summary>
    public long Count { get; private set; }

    /// <summary>Folds one per-sample result (as the metric's <c>Process</c> added it to <c>Results</c>) into the totals.</summary>
    public void Add(object item)
    {
        AddItem(item);
        Count++;
    }

    /// <summary>Adds another state of the same metric (another rank's, or a later part of the same stream).</summary>
    public void Merge(MetricAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.GetType() != GetType())
            throw new KilnException($"cannot merge a {other.GetType().Name} into a {GetType().Name}: the states come from different metrics.");
        if (other.Count == 0) return;
        MergeState(other);
        Count += other.Count;
    }

    /// <summary>The state as a plain value (numbers, arrays of numbers, lists, string-keyed dicts; see <see cref="PlainValues"/>), without <see cref="Count"/>.</summary>
    public abstract object? ToPlain();

    /// <summary>Replaces this (empty) state by what <see cref="ToPlain"/> wrote, standing for <paramref name="count"/> results.</summary>
    public void LoadPlain(object? plain, long count)
    {
        if (Count != 0) throw new InvalidOperationException($"{GetType().Name}.LoadPlain needs an empty state.");
        if (count == 0) return;
        LoadState(plain);
        Count = count;
    }

    /// <summary>The metrics (names without the prefix) over every result folded in; called with <see cref="Count"/> &gt; 0.</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeMetrics();

    /// <summary>Folds one result in.</summary>
    protected abstract void AddItem(object item);

    /// <summary>Adds <paramref name="other"/>'s totals (same type, at least one result) to this state's, which may be empty.</summary>
    protected abstract void MergeState(MetricAccumulator other);

    /// <summary>Sets this empty state from <see cref="ToPlain"/>'s value.</summary>
    protected abstract void LoadState(object? plain);
}
