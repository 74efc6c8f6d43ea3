using Kiln.Registry;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>Caffe2XavierInit</c> (<c>type='Caffe2Xavier'</c>): Caffe2's <c>XavierFill</c>, which is PyTorch's
/// <c>kaiming_uniform_</c> with a=1, mode='fan_in', nonlinearity='leaky_relu', so bound = sqrt(3 / fan_in).
/// </summary>
[Register(Registries.WeightInitializers, "Caffe2Xavier")]
public sealed class Caffe2XavierInit(double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    : KaimingInit(a: 1, mode: "fan_in", nonlinearity: "leaky_relu", distribution: "uniform", bias, biasProb, layer);
