using Kiln.Models.Analysis;
using Kiln.Vision.Models;
using Kiln.Vision.Models.ResNets;
using static TorchSharp.torch;

namespace Kiln.Vision.Tests.Models;

/// <summary>ANA-01..03 on the Vision models, against hand-computed counts and MMEngine's documented ResNet-50 figures.</summary>
public sealed class ModelComplexityTests
{
    // LeNet5 on 1x1x28x28 (conv1 padded):
    //   conv1 1->6, 5x5, out 6x28x28:   flops 28*28*6*1*25 = 117,600   acts 4,704  params 156
    //   conv2 6->16, 5x5, out 16x10x10: flops 10*10*16*6*25 = 240,000  acts 1,600  params 2,416
    //   conv3 16->120, 5x5, out 120x1x1: flops 120*16*25 = 48,000      acts 120    params 48,120
    //   fc 120->84: 10,080 flops, 84 acts, 10,164 params; fc 84->10: 840 flops, 10 acts, 850 params
    [Fact]
    public void LeNet5_CountsMatchHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var info = ComplexityAnalysis.GetModelComplexityInfo(new LeNet5(), [1, 28, 28]);
        Assert.Equal(117_600L + 240_000 + 48_000 + 10_080 + 840, info.Flops);
        Assert.Equal(4_704L + 1_600 + 120 + 84 + 10, info.Activations);
        Assert.Equal(156L + 2_416 + 48_120 + 10_164 + 850, info.Params);
        Assert.Equal(("0.417M", "6.518K", "61.706K"), (info.FlopsStr, info.ActivationsStr, info.ParamsStr));
        Assert.Contains(info.OutTable.Split('\n'), l => l.StartsWith("|   features.0 ") && l.Contains("|   0.156K ") && l.Contains("|   0.118M "));
        // The preprocessor never runs in tensor mode: MMEngine marks it N/A in the arch view.
        Assert.StartsWith("\nN/A indicates a possibly missing statistic", info.OutArch);
        Assert.Contains("(data_preprocessor): BaseDataPreprocessor(#params: 0, #flops: N/A, #acts: N/A)", info.OutArch);
    }

    // AE-ANA-03: MMEngine prints 25.557M parameters, 4.145G flops and 11.115M activations for torchvision's ResNet-50 at 224x224,
    // conv1 9.408K / 0.118G / 0.803M, bn1 0.128K / 4.014M / 0, avgpool 0.1M flops.
    [Fact]
    public void ResNet50_MatchesMMEnginesDocumentedTotals()
    {
        using var scope = NewDisposeScope();
        var info = ComplexityAnalysis.GetModelComplexityInfo(ResNet.ResNet50(), [3, 224, 224], showArch: false);
        Assert.Equal(("4.145G", "11.115M", "25.557M"), (info.FlopsStr, info.ActivationsStr, info.ParamsStr));
        var lines = info.OutTable.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("|  conv1 ") && l.Contains("|  9.408K ") && l.Contains("|  0.118G ") && l.Contains("|  0.803M "));
        Assert.Contains(lines, l => l.StartsWith("|  bn1 ") && l.Contains("|  0.128K ") && l.Contains("|  4.014M ") && l.Contains("|  0 "));
        Assert.Contains(lines, l => l.StartsWith("|   layer1.0.downsample ") || l.StartsWith("|    layer1.0.downsample "));
        Assert.Contains(lines, l => l.StartsWith("|  avgpool ") && l.Contains("|  0.1M "));
        Assert.StartsWith("|  avgpool ", lines[^2]);   // modules without parameters come after the others, as in MMEngine's table
    }
}
