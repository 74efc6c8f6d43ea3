using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>MMEngine's <c>TruncNormalInit</c> (<c>type='TruncNormal'</c>): weights from N(mean, std²) truncated to [a, b].</summary>
[Register(Registries.WeightInitializers, "TruncNormal")]
public sealed class TruncNormalInit(double mean = 0, double std = 1, double a = -2, double b = 2, double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    : BaseInit(bias, biasProb, layer)
{
    public double Mean { get; } = mean;

    public double Std { get; } = std;

    public double A { get; } = a;

    public double B { get; } = b;

    public override string InitInfo =>
        $"{nameof(TruncNormalInit)}: a={PyFormat.Number(A)}, b={PyFormat.Number(B)}, mean={PyFormat.Number(Mean)}, std={PyFormat.Number(Std)}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight) InitFunctions.TruncNormal(weight, Mean, Std, A, B);
        FillBias(module);
    }
}
