namespace Kiln.Structures;

/// <summary>
/// What a dataset returns for one index after its pipeline (MMEngine's <c>dict(inputs=..., data_samples=...)</c>).
/// </summary>
/// <param name="Inputs">The model input, usually a tensor (an image as C×H×W).</param>
/// <param name="DataSample">The annotations, or null when there are none.</param>
public sealed record Sample(object Inputs, DataSample? DataSample);
