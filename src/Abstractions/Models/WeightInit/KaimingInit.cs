using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>KaimingInit</c> (<c>type='Kaiming'</c>): He initialisation with std = gain / sqrt(fan), where
/// gain = <c>calculate_gain(nonlinearity, a)</c> and fan is fan_in or fan_out (<c>mode</c>); the uniform form
/// draws from U(-sqrt(3)·std, sqrt(3)·std). MMEngine's defaults: a=0, mode='fan_out', nonlinearity='relu', normal.
/// </summary>
[Register(Registries.WeightInitializers, "Kaiming")]
public class KaimingInit : BaseInit
{
    public KaimingInit(double a = 0, string mode = "fan_out", string nonlinearity = "relu", string distribution = "normal",
        double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
        : base(bias, biasProb, layer)
    {
        if (mode is not ("fan_in" or "fan_out"))
            throw new KilnException($"{GetType().Name}: mode must be 'fan_in' or 'fan_out', got '{mode}'.");
        InitFunctions.CalculateGain(nonlinearity, a); // fails now, not at the first layer, on an unknown nonlinearity
        A = a;
        Mode = mode;
        Nonlinearity = nonlinearity;
        Distribution = Distributions.Check(distribution, GetType().Name);
    }

    public double A { get; }

    public string Mode { get; }

    public string Nonlinearity { get; }

    public string Distribution { get; }

    // MMEngine's text, space before '=' included.
    public override string InitInfo =>
        $"{GetType().Name}: a={PyFormat.Number(A)}, mode={Mode}, nonlinearity={Nonlinearity}, distribution ={Distribution}, bias={PyFormat.Number(Bias)}";

    protected override void InitModule(nn.Module module)
    {
        if (OwnParameter(module, "weight") is { } weight)
        {
            if (Distribution == "uniform") InitFunctions.KaimingUniform(weight, A, Mode, Nonlinearity);
            else InitFunctions.KaimingNormal(weight, A, Mode, Nonlinearity);
        }
        FillBias(module);
    }
}
