using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseDataPreprocessor</c>: stacks a batch's input tensors and moves them to the model's device.
/// Subclasses (<c>ImgDataPreprocessor</c>) add normalisation and padding.
/// </summary>
[Register(Registries.Models)]
public class BaseDataPreprocessor : nn.Module
{
    public BaseDataPreprocessor() : this(nameof(BaseDataPreprocessor)) { }

    protected BaseDataPreprocessor(string name) : base(name) { }

    /// <summary>The device inputs are moved to; the model sets it when it moves.</summary>
    public Device Device { get; set; } = CPU;

    /// <summary>Stacks and casts the batch (MMEngine's <c>forward(data, training)</c>).</summary>
    public virtual PreprocessedBatch Forward(DataBatch batch, bool training)
    {
        var inputs = StackInputs(batch).to(Device);
        return new PreprocessedBatch(inputs, DataSamplesOf(batch));
    }

    /// <summary>Stacks per-sample tensors along a new batch dimension.</summary>
    protected static Tensor StackInputs(DataBatch batch)
    {
        if (batch.StackedInputs is Tensor stacked) return stacked;   // default_collate stacked them already
        var tensors = new Tensor[batch.Inputs.Count];
        for (int i = 0; i < tensors.Length; i++)
            tensors[i] = batch.Inputs[i] as Tensor
                ?? throw new KilnException($"batch input {i} is a {batch.Inputs[i].GetType().Name}; the data preprocessor stacks tensors only.");
        return stack(tensors);
    }

    /// <summary>The batch's data samples, with an empty sample where a dataset gave none.</summary>
    protected static IReadOnlyList<DataSample> DataSamplesOf(DataBatch batch)
    {
        if (batch.DataSamples is LazyDataSamples lazy) return lazy;   // never null; made only when read
        var samples = new DataSample[batch.DataSamples.Count];
        for (int i = 0; i < samples.Length; i++) samples[i] = batch.DataSamples[i] ?? new DataSample();
        return samples;
    }
}
