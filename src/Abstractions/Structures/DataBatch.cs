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
}
