namespace Kiln.Structures;

/// <summary>
/// A batch's data samples, each made when first read and the same object on every later read: what a dataset that
/// reads whole batches (<see cref="Datasets.IBatchDataset"/>) gives, so a training step that only needs the labels
/// (<see cref="DataSample.GtLabelsOf"/>) does not make 64 samples per batch. Reading any sample, enumerating the
/// list, or changing a sample's <see cref="DataSample.GtLabel"/> behaves exactly as for a list of made samples.
/// </summary>
public sealed class LazyDataSamples : IReadOnlyList<DataSample>
{
    private readonly DataSample?[] _samples;
    private readonly Func<int, DataSample> _make;
    private readonly long[]? _gtLabels;

    /// <param name="count">Samples in the batch.</param>
    /// <param name="make">Makes sample <c>i</c> of the batch (called at most once per sample).</param>
    /// <param name="gtLabels">Each sample's <c>gt_label</c> as <paramref name="make"/> would set it, or null if unknown.</param>
    public LazyDataSamples(int count, Func<int, DataSample> make, long[]? gtLabels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(make);
        if (gtLabels is not null && gtLabels.Length != count)
            throw new ArgumentException($"{count} samples need {count} labels, got {gtLabels.Length}.", nameof(gtLabels));
        _samples = new DataSample?[count];
        _make = make;
        _gtLabels = gtLabels;
    }

    public int Count => _samples.Length;

    public DataSample this[int index] => _samples[index] ??= _make(index);

    /// <summary>How many samples have been made so far.</summary>
    public int MadeCount => _samples.Count(s => s is not null);

    /// <summary>Sample <paramref name="index"/>'s <c>gt_label</c>, read from the labels given up front while the sample is not made.</summary>
    public long? GtLabelAt(int index) => _samples[index] is { } made ? made.GtLabel
        : _gtLabels is not null ? _gtLabels[index]
        : this[index].GtLabel;

    public IEnumerator<DataSample> GetEnumerator()
    {
        for (int i = 0; i < _samples.Length; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
