using Kiln.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.ResNets;

/// <summary>torchvision's <c>BasicBlock</c> (expansion 1): conv1 3×3 (stride) → bn1 → relu → conv2 3×3 → bn2, plus the identity or <c>downsample</c>, → relu.</summary>
public sealed class BasicBlock : BaseModule<Tensor, Tensor>
{
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inplanes, long planes, long stride = 1, Sequential? downsample = null) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = downsample is null ? x : downsample.call(x);
        var out_ = relu.call(bn1.call(conv1.call(x)));
        out_ = bn2.call(conv2.call(out_));
        return relu.call(out_.add_(identity));
    }
}
