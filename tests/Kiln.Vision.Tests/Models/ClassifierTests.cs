using Kiln.Models;
using Kiln.Structures;
using Kiln.Vision.Models;
using Kiln.Vision.Models.Classifiers;
using Kiln.Vision.Models.ResNets;
using static TorchSharp.torch;

namespace Kiln.Vision.Tests.Models;

/// <summary>mmpretrain's ImageClassifier layout (backbone, neck, head) and the MLP.</summary>
public sealed class ClassifierTests
{
    [Fact]
    public void ImageClassifier_HasMMPretrainKeysAndLosses()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = new ImageClassifier(new ResNet(18, numClasses: 0, cifarStem: true), new LinearClsHead(10, 512), new GlobalAveragePooling());
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("backbone.layer1.0.conv1.weight", keys);
        Assert.Contains("head.fc.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("backbone.fc", StringComparison.Ordinal));
        Assert.Equal(11_173_962L, model.parameters().Sum(p => p.numel()));   // ResNet-18 (CIFAR stem) trunk + 512*10+10

        var inputs = randn(4, 3, 32, 32);
        var samples = Enumerable.Range(0, 4).Select(i => new DataSample { GtLabel = i }).ToList();
        var losses = model.Forward(inputs, samples, ForwardMode.Loss).Losses!;
        Assert.InRange(losses["loss"].item<float>(), 0.5f, 10f);
        model.eval();
        var predictions = model.Forward(inputs, samples, ForwardMode.Predict).Predictions!;
        Assert.All(predictions, p => Assert.Equal(1.0, p.PredScore!.Sum(), 4));
    }

    [Fact]
    public void LinearClsHead_DefaultInitCfgIsNormalStd001()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var head = new LinearClsHead(1000, 2048);
        head.InitWeights();
        var w = head.state_dict()["fc.weight"].to(float64);
        Assert.Equal(0.01 * 0.01, w.var().item<double>(), 0.01 * 0.01 * 0.03);
        Assert.Equal(0.0, head.state_dict()["fc.bias"].abs().max().item<float>());
    }

    [Fact]
    public void Mlp_HiddenLayersShapeTheNetwork()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(784, [256, 64], 10);
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"],
            mlp.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(784L * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10, mlp.parameters().Sum(p => p.numel()));
        var logits = mlp.Forward(randn(3, 1, 28, 28), [new DataSample(), new DataSample(), new DataSample()], ForwardMode.Tensor).Raw!;
        Assert.Equal(new long[] { 3, 10 }, logits.shape);
        var e = Assert.Throws<KilnException>(() => new Mlp(784, [0], 10));
        Assert.Equal("MLP.hidden_channels[0] must be positive, got 0.", e.Message);
    }
}
