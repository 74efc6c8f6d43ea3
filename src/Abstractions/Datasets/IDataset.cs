using Kiln.Structures;

namespace Kiln.Datasets;

/// <summary>A map-style dataset (PyTorch's <c>Dataset</c>): a count and random access by index.</summary>
public interface IDataset
{
    int Count { get; }

    /// <summary>The dataset's meta information (<c>metainfo</c>: class names, palette, …).</summary>
    IReadOnlyDictionary<string, object?> MetaInfo { get; }

    /// <summary>The sample at <paramref name="index"/>, after the dataset's pipeline.</summary>
    Sample Get(int index);
}
