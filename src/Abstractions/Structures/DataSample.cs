namespace Kiln.Structures;

/// <summary>
/// One sample's annotations and predictions (MMEngine's <c>BaseDataElement</c>): meta information that does not
/// change with the data (image shape, file name) plus data fields. Values are plain .NET data (numbers, arrays,
/// strings), never tensors, so they can outlive an iteration's dispose scope.
/// </summary>
public class DataSample
{
    private readonly Dictionary<string, object?> _metaInfo = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _fields = new(StringComparer.Ordinal);

    /// <summary>Meta information (MMEngine's <c>metainfo</c>).</summary>
    public IReadOnlyDictionary<string, object?> MetaInfo => _metaInfo;

    /// <summary>Data fields (MMEngine's data keys).</summary>
    public IReadOnlyDictionary<string, object?> Fields => _fields;

    public void SetMetaInfo(string key, object? value) => _metaInfo[key] = value;

    public void Set(string key, object? value) => _fields[key] = value;

    public bool Contains(string key) => _fields.ContainsKey(key);

    /// <summary>A field's value; a missing key is an error that lists the keys present.</summary>
    public T Get<T>(string key) => _fields.TryGetValue(key, out var value) && value is T typed
        ? typed
        : throw new KeyNotFoundException(
            $"data sample has no '{key}' of type {typeof(T).Name} (fields: {string.Join(", ", _fields.Keys)})");

    /// <summary>The ground-truth class index (mmpretrain's <c>gt_label</c>).</summary>
    public long? GtLabel
    {
        get => _fields.TryGetValue("gt_label", out var v) ? (long?)v : null;
        set => _fields["gt_label"] = value;
    }

    /// <summary>
    /// Every sample's <c>gt_label</c>, in order (what a classifier's loss needs: mmpretrain's
    /// <c>torch.cat([s.gt_label for s in data_samples])</c>). A missing label is an error naming
    /// <paramref name="owner"/> and the sample. Samples of a <see cref="LazyDataSamples"/> batch are not made.
    /// </summary>
    public static long[] GtLabelsOf(IReadOnlyList<DataSample?> samples, string owner)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var labels = new long[samples.Count];
        var lazy = samples as LazyDataSamples;
        for (int i = 0; i < labels.Length; i++)
            labels[i] = (lazy is not null ? lazy.GtLabelAt(i) : samples[i]?.GtLabel)
                ?? throw new KilnException($"{owner}: training sample {i} of the batch has no gt_label.");
        return labels;
    }

    /// <summary>
    /// <see cref="GtLabelsOf"/> as an int64 tensor on <paramref name="device"/> (the target of a classification loss).
    /// </summary>
    public static TorchSharp.torch.Tensor GtLabelTensor(IReadOnlyList<DataSample?> samples, string owner, TorchSharp.torch.Device? device = null)
    {
        var labels = GtLabelsOf(samples, owner);
        // empty + a copy into its memory: a few µs cheaper per batch than torch.tensor(long[]), which pins the array.
        var result = TorchSharp.torch.empty(labels.Length, TorchSharp.torch.ScalarType.Int64);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.AsSpan()).CopyTo(result.bytes);
        return device is null || device.type == TorchSharp.DeviceType.CPU ? result : result.to(device);
    }

    /// <summary>The predicted class index (<c>pred_label</c>).</summary>
    public long? PredLabel
    {
        get => _fields.TryGetValue("pred_label", out var v) ? (long?)v : null;
        set => _fields["pred_label"] = value;
    }

    /// <summary>The predicted class scores (<c>pred_score</c>).</summary>
    public float[]? PredScore
    {
        get => _fields.TryGetValue("pred_score", out var v) ? (float[]?)v : null;
        set => _fields["pred_score"] = value;
    }
}
