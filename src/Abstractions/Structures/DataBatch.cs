namespace Kiln.Structures;

/// <summary>
/// A collated batch as MMEngine's <c>pseudo_collate</c> makes it: the samples' inputs and data samples as lists,
/// not yet stacked. The model's data preprocessor stacks and moves them to the device.
/// </summary>
public sealed class DataBatch(IReadOnlyList<object> inputs, IReadOnlyList<DataSample?> dataSamples)
{
    public IReadOnlyList<object> Inputs { get; } = inputs;

    public IReadOnlyList<DataSample?> DataSamples { get; } = dataSamples;

    public int Count => Inputs.Count;
}
