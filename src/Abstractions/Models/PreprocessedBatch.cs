using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>A batch after the data preprocessor: stacked inputs on the model's device, and the data samples.</summary>
public sealed record PreprocessedBatch(Tensor Inputs, IReadOnlyList<DataSample> DataSamples);
