using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Datasets;

/// <summary>
/// A dataset that can read a whole batch in one step, for in-memory datasets whose samples are rows of one tensor
/// and that have no pipeline (MNIST, FashionMNIST). When the collate function is <c>pseudo_collate</c> or
/// <c>default_collate</c>, which only list or stack the samples, the DataLoader asks for the batch instead of calling
/// <see cref="IDataset.Get"/> per sample and stacking: one gather instead of a tensor per sample. The batch holds the
/// same values either way (see <see cref="DataBatch.FromStacked"/>).
/// </summary>
public interface IBatchDataset : IDataset
{
    /// <summary>
    /// The samples at <paramref name="indices"/>, in that order: their inputs stacked along a new first dimension,
    /// and for each its data sample, exactly as <see cref="IDataset.Get"/> would give them one by one (a
    /// <see cref="LazyDataSamples"/> list, so that samples nobody reads are never made).
    /// </summary>
    (Tensor Inputs, IReadOnlyList<DataSample> DataSamples) GetBatch(int[] indices);
}
