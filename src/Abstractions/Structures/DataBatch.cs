using static TorchSharp.torch;

namespace Kiln.Structures;

/// <summary>
/// A collated batch. As MMEngine's default <c>pseudo_collate</c> makes it: the samples' inputs and data samples as
/// lists, not yet stacked (the model's data preprocessor stacks and moves them to the device). As
/// <c>default_collate</c> makes it: the same lists plus <see cref="StackedInputs"/>, the inputs stacked along a new
/// batch dimension (a tensor, or a dict/list of tensors when each input is one).
/// </summary>
public sealed class DataBatch(IReadOnlyList<object> inputs, IReadOnlyList<DataSample?> dataSamples, object? stackedInputs = null)
{
    public IReadOnlyList<object> Inputs { get; } = inputs;

    public IReadOnlyList<DataSample?> DataSamples { get; } = dataSamples;

    /// <summary>The inputs stacked by <c>default_collate</c>, or null (<c>pseudo_collate</c>).</summary>
    public object? StackedInputs { get; } = stackedInputs;

    public int Count => Inputs.Count;

    /// <summary>Whether <see cref="Inputs"/> are the rows of <see cref="StackedInputs"/> (a batch made by <see cref="FromStacked"/>).</summary>
    public bool InputsAreRowsOfStacked => Inputs is StackedRows;

    /// <summary>
    /// A batch read whole (an <see cref="Datasets.IBatchDataset"/>): <see cref="StackedInputs"/> is
    /// <paramref name="stacked"/> and <see cref="Inputs"/> lists its rows, each made (as a view, no copy) when first
    /// read, so a data preprocessor that uses the stacked tensor never makes them.
    /// </summary>
    public static DataBatch FromStacked(Tensor stacked, IReadOnlyList<DataSample?> dataSamples)
    {
        if (stacked.shape[0] != dataSamples.Count)
            throw new ArgumentException($"a stacked batch of {stacked.shape[0]} rows needs {stacked.shape[0]} data samples, got {dataSamples.Count}.", nameof(dataSamples));
        return new DataBatch(new StackedRows(stacked, dataSamples.Count), dataSamples, stacked);
    }

    /// <summary>The rows of a stacked tensor as a list, each row made on first access.</summary>
    private sealed class StackedRows(Tensor stacked, int count) : IReadOnlyList<object>
    {
        private readonly Tensor?[] _rows = new Tensor?[count];

        public int Count => count;

        public object this[int index] => _rows[index] ??= stacked.select(0, index);

        public IEnumerator<object> GetEnumerator()
        {
            for (int i = 0; i < count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
