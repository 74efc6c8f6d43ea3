using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>XavierInit</c> (<c>type='Xavier'</c>): Glorot initialisation. Uniform: U(-a, a) with
/// a = gain·sqrt(6 / (fan_in + fan_out)); normal: std = gain·sqrt(2 / (fan_in + fan_out)). Biases constant.
/// </summary>
[Register(Registries.WeightInitializers, "Xavier")]
public sealed class XavierInit : BaseInit
{
    /// <param name="gain">Scaling factor. Default 1.</param>
    /// <param name="distribution"><c>'normal'</c> (default) or <c>'uniform'</c>.</param>
    public XavierInit(double gain = 1, string distribution = "normal", double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
        : base(bias, biasProb, layer)
    {
        Distribution = Distributions.Check(distribution, nameof(XavierInit));
        Gain = gain;
    }

    public double Gain { get; }

    public string Distribution { get; }

    public override string InitInfo => $"{nameof(XavierInit)}: gain={PyFormat.Number(Gain)}, distribution={Distribution}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight)
        {
            if (Distribution == "uniform") InitFunctions.XavierUniform(weight, Gain);
            else InitFunctions.XavierNormal(weight, Gain);
        }
        FillBias(module);
    }
}
