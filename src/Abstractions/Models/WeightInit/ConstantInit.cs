using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>MMEngine's <c>ConstantInit</c> (<c>type='Constant'</c>): weights filled with <c>val</c>, biases with <c>bias</c>.</summary>
[Register(Registries.WeightInitializers, "Constant")]
public sealed class ConstantInit(double val, double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    : BaseInit(bias, biasProb, layer)
{
    public double Val { get; } = val;

    public override string InitInfo => $"{nameof(ConstantInit)}: val={PyFormat.Number(Val)}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight)
        {
            using var _ = no_grad();
            weight.fill_(Val);
        }
        FillBias(module);
    }
}
