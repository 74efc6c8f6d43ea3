using Kiln.Vision.Models.ResNets;
using static TorchSharp.torch;

namespace Kiln.Vision.Tests.Models;

/// <summary>Issue 11: ResNets with torchvision's names and sizes, so torchvision's ImageNet checkpoints load by key.</summary>
public sealed class ResNetTests
{
    /// <summary>
    /// torchvision's resnet18().state_dict() keys, in order, written out from torchvision/models/resnet.py
    /// (BasicBlock: conv1, bn1, conv2, bn2, downsample.0/1 on the first block of layers 2-4; BatchNorm2d keeps
    /// weight, bias, running_mean, running_var, num_batches_tracked).
    /// </summary>
    private static readonly string[] TorchvisionResNet18Keys =
    [
        "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
        "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
        "layer1.0.bn1.num_batches_tracked", "layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
        "layer1.0.bn2.running_mean", "layer1.0.bn2.running_var", "layer1.0.bn2.num_batches_tracked", "layer1.1.conv1.weight",
        "layer1.1.bn1.weight", "layer1.1.bn1.bias", "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked",
        "layer1.1.conv2.weight", "layer1.1.bn2.weight", "layer1.1.bn2.bias", "layer1.1.bn2.running_mean", "layer1.1.bn2.running_var",
        "layer1.1.bn2.num_batches_tracked", "layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.bn1.bias",
        "layer2.0.bn1.running_mean", "layer2.0.bn1.running_var", "layer2.0.bn1.num_batches_tracked", "layer2.0.conv2.weight",
        "layer2.0.bn2.weight", "layer2.0.bn2.bias", "layer2.0.bn2.running_mean", "layer2.0.bn2.running_var", "layer2.0.bn2.num_batches_tracked",
        "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias", "layer2.0.downsample.1.running_mean",
        "layer2.0.downsample.1.running_var", "layer2.0.downsample.1.num_batches_tracked", "layer2.1.conv1.weight",
        "layer2.1.bn1.weight", "layer2.1.bn1.bias", "layer2.1.bn1.running_mean", "layer2.1.bn1.running_var", "layer2.1.bn1.num_batches_tracked",
        "layer2.1.conv2.weight", "layer2.1.bn2.weight", "layer2.1.bn2.bias", "layer2.1.bn2.running_mean", "layer2.1.bn2.running_var",
        "layer2.1.bn2.num_batches_tracked", "layer3.0.conv1.weight", "layer3.0.bn1.weight", "layer3.0.bn1.bias",
        "layer3.0.bn1.running_mean", "layer3.0.bn1.running_var", "layer3.0.bn1.num_batches_tracked", "layer3.0.conv2.weight",
        "layer3.0.bn2.weight", "layer3.0.bn2.bias", "layer3.0.bn2.running_mean", "layer3.0.bn2.running_var", "layer3.0.bn2.num_batches_tracked",
        "layer3.0.downsample.0.weight", "layer3.0.downsample.1.weight", "layer3.0.downsample.1.bias", "layer3.0.downsample.1.running_mean",
        "layer3.0.downsample.1.running_var", "layer3.0.downsample.1.num_batches_tracked", "layer3.1.conv1.weight",
        "layer3.1.bn1.weight", "layer3.1.bn1.bias", "layer3.1.bn1.running_mean", "layer3.1.bn1.running_var", "layer3.1.bn1.num_batches_tracked",
        "layer3.1.conv2.weight", "layer3.1.bn2.weight", "layer3.1.bn2.bias", "layer3.1.bn2.running_mean", "layer3.1.bn2.running_var",
        "layer3.1.bn2.num_batches_tracked", "layer4.0.conv1.weight", "layer4.0.bn1.weight", "layer4.0.bn1.bias",
        "layer4.0.bn1.running_mean", "layer4.0.bn1.running_var", "layer4.0.bn1.num_batches_tracked", "layer4.0.conv2.weight",
        "layer4.0.bn2.weight", "layer4.0.bn2.bias", "layer4.0.bn2.running_mean", "layer4.0.bn2.running_var", "layer4.0.bn2.num_batches_tracked",
        "layer4.0.downsample.0.weight", "layer4.0.downsample.1.weight", "layer4.0.downsample.1.bias", "layer4.0.downsample.1.running_mean",
        "layer4.0.downsample.1.running_var", "layer4.0.downsample.1.num_batches_tracked", "layer4.1.conv1.weight",
        "layer4.1.bn1.weight", "layer4.1.bn1.bias", "layer4.1.bn1.running_mean", "layer4.1.bn1.running_var", "layer4.1.bn1.num_batches_tracked",
        "layer4.1.conv2.weight", "layer4.1.bn2.weight", "layer4.1.bn2.bias", "layer4.1.bn2.running_mean", "layer4.1.bn2.running_var",
        "layer4.1.bn2.num_batches_tracked", "fc.weight", "fc.bias",
    ];

    private static readonly string[] BufferSuffixes = [".running_mean", ".running_var", ".num_batches_tracked"];

    /// <remarks>
    /// The key set is torchvision's. TorchSharp's <c>state_dict()</c> lists every parameter before every buffer (PyTorch
    /// interleaves them module by module), so the parameters are compared in order and the buffers as a set; loading is by key.
    /// </remarks>
    [Fact]
    public void ResNet18_StateDictKeys_AreTorchvisions()
    {
        using var scope = NewDisposeScope();
        var model = ResNet.ResNet18();
        Assert.Equal(TorchvisionResNet18Keys.Where(k => !BufferSuffixes.Any(k.EndsWith)), model.named_parameters().Select(p => p.name));
        Assert.Equal(TorchvisionResNet18Keys.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(18, 1000, 11_689_512)]
    [InlineData(34, 1000, 21_797_672)]
    [InlineData(50, 1000, 25_557_032)]
    [InlineData(50, 10, 23_528_522)]
    [InlineData(101, 1000, 44_549_160)]
    [InlineData(152, 1000, 60_192_808)]
    public void ParameterCount_MatchesTorchvision(int depth, int numClasses, long expected)
    {
        using var scope = NewDisposeScope();
        var model = new ResNet(depth, numClasses);
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ResNet50_Keys_HaveBottleneckAndDownsampleNames()
    {
        using var scope = NewDisposeScope();
        var keys = ResNet.ResNet50(10).state_dict().Keys.ToList();
        Assert.Contains("layer1.0.conv3.weight", keys);
        Assert.Contains("layer1.0.downsample.0.weight", keys);      // 64 -> 256 channels at stride 1
        Assert.Contains("layer4.2.bn3.running_var", keys);
        Assert.DoesNotContain("layer1.1.downsample.0.weight", keys);
        Assert.Equal(new long[] { 10, 2048 }, ResNet.ResNet50(10).state_dict()["fc.weight"].shape);
        Assert.Equal(320, keys.Count);   // torchvision resnet50: 161 parameters + 3 buffers in each of 53 BatchNorms
    }

    [Fact]
    public void CifarStem_Is3x3Stride1WithoutMaxPool_AndKeepsKeys()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var cifar = ResNet.ResNet18(10, cifarStem: true);
        Assert.Equal(new long[] { 64, 3, 3, 3 }, cifar.state_dict()["conv1.weight"].shape);
        Assert.Equal(TorchvisionResNet18Keys.Order(StringComparer.Ordinal), cifar.state_dict().Keys.Order(StringComparer.Ordinal));
        cifar.eval();
        using var noGrad = no_grad();
        var x = randn(2, 3, 32, 32);
        Assert.Equal(new long[] { 2, 10 }, cifar.forward(x).shape);
        // Without the fc the backbone keeps 32/8 = 4 pixels (stride 1 stem, no max pool); ImageNet's stem gives 1.
        Assert.Equal(new long[] { 2, 512, 4, 4 }, new ResNet(18, numClasses: 0, cifarStem: true).forward(x).shape);
        Assert.Equal(new long[] { 2, 512, 1, 1 }, new ResNet(18, numClasses: 0).forward(x).shape);
    }

    [Fact]
    public void TorchvisionInit_ConvsAreKaimingFanOutAndBatchNormIsOneZero()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var sd = ResNet.ResNet50().state_dict();
        var w = sd["layer3.0.conv2.weight"].to(float64);              // 256×256×3×3: fan_out = 2304
        double std = Math.Sqrt(2.0) / Math.Sqrt(256 * 9);
        Assert.Equal(std * std, w.var().item<double>(), std * std * 0.03);
        Assert.Equal(1.0, sd["layer3.0.bn2.weight"].min().item<float>());
        Assert.Equal(0.0, sd["layer3.0.bn2.bias"].abs().max().item<float>());
    }

    [Fact]
    public void BadDepth_NamesTheValidDepths()
    {
        var e = Assert.Throws<KilnException>(() => new ResNet(20));
        Assert.Equal("ResNet.depth must be one of 18, 34, 50, 101, 152, got 20.", e.Message);
    }
}
