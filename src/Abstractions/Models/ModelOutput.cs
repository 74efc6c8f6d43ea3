using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>What <see cref="BaseModel.Forward"/> returns; which member is set depends on the <see cref="ForwardMode"/>.</summary>
public sealed class ModelOutput
{
    private ModelOutput() { }

    /// <summary>Set in <see cref="ForwardMode.Loss"/>: named losses (and other log values), all tensors.</summary>
    public IReadOnlyDictionary<string, Tensor>? Losses { get; private init; }

    /// <summary>Set in <see cref="ForwardMode.Predict"/>: one data sample per input, holding plain predictions.</summary>
    public IReadOnlyList<DataSample>? Predictions { get; private init; }

    /// <summary>Set in <see cref="ForwardMode.Tensor"/>.</summary>
    public Tensor? Raw { get; private init; }

    public static ModelOutput FromLosses(IReadOnlyDictionary<string, Tensor> losses) => new() { Losses = losses };

    public static ModelOutput FromPredictions(IReadOnlyList<DataSample> predictions) => new() { Predictions = predictions };

    public static ModelOutput FromTensor(Tensor raw) => new() { Raw = raw };
}
