using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>MMEngine's <c>UniformInit</c> (<c>type='Uniform'</c>): weights from U(a, b), biases constant.</summary>
[Register(Registries.WeightInitializers, "Uniform")]
public sealed class UniformInit(double a = 0, double b = 1, double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    : BaseInit(bias, biasProb, layer)
{
    public double A { get; } = a;

    public double B { get; } = b;

    public override string InitInfo => $"{nameof(UniformInit)}: a={PyFormat.Number(A)}, b={PyFormat.Number(B)}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight)
        {
            using var _ = no_grad();
            weight.uniform_(A, B);
        }
        FillBias(module);
    }
}
