using Kiln.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.ResNets;

/// <summary>
/// torchvision's <c>Bottleneck</c> (ResNet V1.5, expansion 4): conv1 1×1 → bn1 → relu → conv2 3×3 (stride here, as
/// torchvision) → bn2 → relu → conv3 1×1 to 4·planes → bn3, plus the identity or <c>downsample</c>, → relu.
/// </summary>
public sealed class Bottleneck : BaseModule<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, long stride = 1, Sequential? downsample = null) : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu = nn.ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = downsample is null ? x : downsample.call(x);
        var out_ = relu.call(bn1.call(conv1.call(x)));
        out_ = relu.call(bn2.call(conv2.call(out_)));
        out_ = bn3.call(conv3.call(out_));
        return relu.call(out_.add_(identity));
    }
}
