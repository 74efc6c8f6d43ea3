using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>MMEngine's <c>NormalInit</c> (<c>type='Normal'</c>): weights from N(mean, std²), biases constant.</summary>
[Register(Registries.WeightInitializers, "Normal")]
public sealed class NormalInit(double mean = 0, double std = 1, double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    : BaseInit(bias, biasProb, layer)
{
    public double Mean { get; } = mean;

    public double Std { get; } = std;

    public override string InitInfo => $"{nameof(NormalInit)}: mean={PyFormat.Number(Mean)}, std={PyFormat.Number(Std)}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight)
        {
            using var _ = no_grad();
            weight.normal_(Mean, Std);
        }
        FillBias(module);
    }
}
