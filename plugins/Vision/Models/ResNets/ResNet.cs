using Kiln.Models;
using Kiln.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.ResNets;

/// <summary>
/// torchvision's ResNet (<c>torchvision/models/resnet.py</c>) with its module and parameter names, so its
/// <c>state_dict</c> keys are torchvision's (<c>conv1.weight</c>, <c>bn1.running_mean</c>,
/// <c>layer1.0.conv1.weight</c>, <c>layer2.0.downsample.0.weight</c>, <c>fc.bias</c>) and torchvision checkpoints load
/// through <c>load_from</c> or a <c>Pretrained</c> init_cfg. Depths 18 and 34 use <see cref="BasicBlock"/>, 50, 101 and 152
/// <see cref="Bottleneck"/>. Initialisation is torchvision's: Kaiming normal (fan_out, relu) convolutions, BN weight 1
/// and bias 0, PyTorch's default Linear; an <c>init_cfg</c> applies on top when <c>InitWeights</c> runs.
/// </summary>
/// <remarks>
/// <c>cifar_stem=True</c> is mmpretrain's <c>ResNet_CIFAR</c> stem: <c>conv1</c> is 3×3 stride 1 padding 1 and there is
/// no max pooling, for 32×32 inputs; the keys are unchanged. <c>num_classes=0</c> drops <c>avgpool</c> and <c>fc</c>
/// (a backbone whose forward returns the last stage's feature map, for <see cref="ImageClassifier"/>).
/// </remarks>
[Register(Registries.Models)]
public sealed class ResNet : BaseModule<Tensor, Tensor>
{
    private static readonly Dictionary<int, (bool Bottleneck, int[] Layers)> Settings = new()
    {
        [18] = (false, [2, 2, 2, 2]),
        [34] = (false, [3, 4, 6, 3]),
        [50] = (true, [3, 4, 6, 3]),
        [101] = (true, [3, 4, 23, 3]),
        [152] = (true, [3, 8, 36, 3]),
    };

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d? maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d? avgpool;
    private readonly Linear? fc;
    private long _inplanes = 64;

    /// <param name="depth">18, 34, 50, 101 or 152.</param>
    /// <param name="numClasses">Outputs of <c>fc</c> (torchvision's default 1000); 0 for a backbone without <c>avgpool</c>/<c>fc</c>.</param>
    /// <param name="inChannels">Input channels (3).</param>
    /// <param name="cifarStem">3×3 stride-1 <c>conv1</c> and no max pooling, for 32×32 images.</param>
    /// <param name="initCfg">MMEngine's <c>init_cfg</c>, applied by <see cref="BaseModule{T, TResult}.InitWeights"/>.</param>
    public ResNet(int depth = 50, int numClasses = 1000, int inChannels = 3, bool cifarStem = false, object? initCfg = null)
        : base(nameof(ResNet), initCfg)
    {
        if (!Settings.TryGetValue(depth, out var setting))
            throw new KilnException($"ResNet.depth must be one of 18, 34, 50, 101, 152, got {depth}.");
        if (numClasses < 0) throw new KilnException($"ResNet.num_classes must be 0 (no fc) or positive, got {numClasses}.");
        Depth = depth;
        CifarStem = cifarStem;
        conv1 = cifarStem
            ? nn.Conv2d(inChannels, 64, 3, stride: 1, padding: 1, bias: false)
            : nn.Conv2d(inChannels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU(inplace: true);
        if (!cifarStem) maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        layer1 = MakeLayer(setting.Bottleneck, 64, setting.Layers[0], 1);
        layer2 = MakeLayer(setting.Bottleneck, 128, setting.Layers[1], 2);
        layer3 = MakeLayer(setting.Bottleneck, 256, setting.Layers[2], 2);
        layer4 = MakeLayer(setting.Bottleneck, 512, setting.Layers[3], 2);
        OutChannels = 512 * (setting.Bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
        if (numClasses > 0)
        {
            avgpool = nn.AdaptiveAvgPool2d(1);
            fc = nn.Linear(OutChannels, numClasses);
        }
        RegisterComponents();
        TorchvisionInit();
    }

    public int Depth { get; }

    public bool CifarStem { get; }

    /// <summary>Channels of the last stage (512 or 2048): <c>fc</c>'s input.</summary>
    public long OutChannels { get; }

    public static ResNet ResNet18(int numClasses = 1000, bool cifarStem = false) => new(18, numClasses, cifarStem: cifarStem);

    public static ResNet ResNet34(int numClasses = 1000, bool cifarStem = false) => new(34, numClasses, cifarStem: cifarStem);

    public static ResNet ResNet50(int numClasses = 1000, bool cifarStem = false) => new(50, numClasses, cifarStem: cifarStem);

    public static ResNet ResNet101(int numClasses = 1000, bool cifarStem = false) => new(101, numClasses, cifarStem: cifarStem);

    public static ResNet ResNet152(int numClasses = 1000, bool cifarStem = false) => new(152, numClasses, cifarStem: cifarStem);

    public override Tensor forward(Tensor x)
    {
        x = relu.call(bn1.call(conv1.call(x)));
        if (maxpool is not null) x = maxpool.call(x);
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        if (fc is null) return x;
        return fc.call(avgpool!.call(x).flatten(1));
    }

    // torchvision's _make_layer: a 1×1 conv + BN downsample when the stride or width changes.
    private Sequential MakeLayer(bool bottleneck, long planes, int blocks, long stride)
    {
        int expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        Sequential? downsample = null;
        if (stride != 1 || _inplanes != planes * expansion)
            downsample = nn.Sequential(nn.Conv2d(_inplanes, planes * expansion, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * expansion));
        var layers = new List<nn.Module<Tensor, Tensor>> { Block(bottleneck, _inplanes, planes, stride, downsample) };
        _inplanes = planes * expansion;
        for (int i = 1; i < blocks; i++) layers.Add(Block(bottleneck, _inplanes, planes, 1, null));
        return nn.Sequential(layers.ToArray());
    }

    private static nn.Module<Tensor, Tensor> Block(bool bottleneck, long inplanes, long planes, long stride, Sequential? downsample) =>
        bottleneck ? new Bottleneck(inplanes, planes, stride, downsample) : new BasicBlock(inplanes, planes, stride, downsample);

    private void TorchvisionInit()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            if (module is Conv2d conv) nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn) { nn.init.ones_(bn.weight); nn.init.zeros_(bn.bias); }
        }
    }
}
