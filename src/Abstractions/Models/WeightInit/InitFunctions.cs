using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// PyTorch's <c>torch.nn.init</c> maths written out on <c>uniform_</c>/<c>normal_</c>, so the formulas (and the
/// order of random draws) are PyTorch's own and the tests can check them: fans as <c>_calculate_fan_in_and_fan_out</c>,
/// gains as <c>calculate_gain</c>, and MMEngine's <c>trunc_normal_</c> and <c>bias_init_with_prob</c>.
/// </summary>
public static class InitFunctions
{
    /// <summary>(fan_in, fan_out): input/output feature maps times the receptive field (<c>prod(shape[2:])</c>).</summary>
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        if (tensor.dim() < 2)
            throw new KilnException($"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [{string.Join(", ", tensor.shape)}]).");
        long receptive = 1;
        for (int i = 2; i < tensor.dim(); i++) receptive *= tensor.shape[i];
        return (tensor.shape[1] * receptive, tensor.shape[0] * receptive);
    }

    /// <summary>PyTorch's <c>calculate_gain(nonlinearity, param)</c>.</summary>
    public static double CalculateGain(string nonlinearity, double? param = null) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new KilnException($"Unsupported nonlinearity '{nonlinearity}'; valid: linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu."),
    };

    /// <summary><c>xavier_uniform_</c>: U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).</summary>
    public static void XavierUniform(Tensor tensor, double gain = 1)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double a = Math.Sqrt(3.0) * gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        using var _ = no_grad();
        tensor.uniform_(-a, a);
    }

    /// <summary><c>xavier_normal_</c>: N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor tensor, double gain = 1)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        using var _ = no_grad();
        tensor.normal_(0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>The standard deviation Kaiming initialisation uses: gain / sqrt(fan).</summary>
    public static double KaimingStd(Tensor tensor, double a, string mode, string nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        long fan = mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new KilnException($"Mode '{mode}' not supported, please use one of fan_in, fan_out."),
        };
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary><c>kaiming_uniform_</c>: U(-bound, bound) with bound = sqrt(3)·gain / sqrt(fan).</summary>
    public static void KaimingUniform(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double bound = Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity);
        using var _ = no_grad();
        tensor.uniform_(-bound, bound);
    }

    /// <summary><c>kaiming_normal_</c>: N(0, std²) with std = gain / sqrt(fan).</summary>
    public static void KaimingNormal(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double std = KaimingStd(tensor, a, mode, nonlinearity);
        using var _ = no_grad();
        tensor.normal_(0, std);
    }

    /// <summary>
    /// MMEngine's <c>trunc_normal_</c>: N(mean, std²) truncated to [a, b] by the inverse-CDF method (uniform between
    /// the bounds' CDF values, <c>erfinv</c>, scale, shift, clamp).
    /// </summary>
    public static void TruncNormal(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        static double NormCdf(double x) => (1 + Erf(x / Math.Sqrt(2))) / 2;
        double lower = NormCdf((a - mean) / std), upper = NormCdf((b - mean) / std);
        using var _ = no_grad();
        tensor.uniform_(2 * lower - 1, 2 * upper - 1);
        tensor.erfinv_();
        tensor.mul_(std * Math.Sqrt(2));
        tensor.add_(mean);
        tensor.clamp_(a, b);
    }

    /// <summary>MMEngine's <c>bias_init_with_prob</c>: -log((1 - p) / p), the bias whose sigmoid is <paramref name="priorProb"/>.</summary>
    public static double BiasInitWithProb(double priorProb) => -Math.Log((1 - priorProb) / priorProb);

    // .NET has no Math.Erf (Python's math.erf is libm's); libtorch's erf on a one-element float64 tensor is libm-exact.
    internal static double Erf(double x)
    {
        using var t = tensor(x, float64);
        using var r = t.erf();
        return r.item<double>();
    }
}
