namespace Kiln.Datasets;

/// <summary>
/// A dataset with MMEngine's <c>BaseDataset</c> annotation interface: <see cref="BaseDataset"/> and the dataset
/// wrappers (<c>ConcatDataset</c>, <c>RepeatDataset</c>, <c>ClassBalancedDataset</c> in the host).
/// </summary>
public interface IAnnotatedDataset : IDataset
{
    /// <summary>Loads the annotations if that has not happened yet (MMEngine's <c>full_init</c>); idempotent.</summary>
    void FullInit();

    /// <summary>Whether <see cref="FullInit"/> has run.</summary>
    bool FullyInitialized { get; }

    /// <summary>The <paramref name="index"/>-th data info (a fresh copy, with <c>sample_idx</c>).</summary>
    Dictionary<string, object?> GetDataInfo(int index);

    /// <summary>The category ids of a sample (needed by <c>ClassBalancedDataset</c>).</summary>
    IReadOnlyList<int> GetCatIds(int index);

    /// <summary>The sample after the pipeline as MMEngine's <c>__getitem__</c> returns it: the results dict.</summary>
    Dictionary<string, object?> GetItem(int index);
}
