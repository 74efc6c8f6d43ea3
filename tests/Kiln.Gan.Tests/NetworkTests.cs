using Kiln.Gan.Models;
using TorchSharp;

namespace Kiln.Gan.Tests;

/// <summary>The GAN tutorial's networks (seed features T2.3): layers, parameter names and counts, shapes, ranges.</summary>
public class NetworkTests
{
    [Fact]
    public void Generator_HasTutorialLayers_ParameterNamesAndCount()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(100, [1, 28, 28]);
        var names = g.named_parameters().Select(p => p.name).ToList();
        // Linear(100,128) LeakyReLU | Linear BN LeakyReLU ×3 | Linear(1024,784) Tanh, numbered as nn.Sequential does.
        Assert.Equal(new[]
        {
            "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.3.weight", "model.3.bias",
            "model.5.weight", "model.5.bias", "model.6.weight", "model.6.bias", "model.8.weight", "model.8.bias",
            "model.9.weight", "model.9.bias", "model.11.weight", "model.11.bias",
        }, names);
        // 100·128+128 + 128·256+256 + 2·256 + 256·512+512 + 2·512 + 512·1024+1024 + 2·1024 + 1024·784+784
        Assert.Equal(1_510_032L, g.parameters().Sum(p => p.numel()));
        Assert.Contains("model.3.running_mean", g.named_buffers().Select(b => b.name));
    }

    [Fact]
    public void Generator_BatchNormEpsIsTutorials0_8()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator();
        g.eval();
        // In eval mode with fresh running statistics (mean 0, var 1) BatchNorm1d(out, 0.8) divides by sqrt(1 + 0.8).
        var bn = (TorchSharp.Modules.BatchNorm1d)g.named_modules().Single(m => m.name == "model.3").module;
        var x = torch.ones(2, 256);
        using var noGrad = torch.no_grad();
        var y = bn.call(x);
        Assert.Equal(1 / Math.Sqrt(1.8), y[0, 0].item<float>(), 5);
    }

    [Fact]
    public void Generator_MakesImagesOfImgShapeInTanhRange()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var g = new Generator(100, [1, 28, 28]);
        var img = g.call(torch.randn(5, 100));
        Assert.Equal(new long[] { 5, 1, 28, 28 }, img.shape);
        Assert.True(img.abs().max().item<float>() <= 1f);
        var e = Assert.Throws<KilnException>(() => g.call(torch.randn(5, 64)));
        Assert.Contains("[N, 100]", e.Message);
    }

    [Fact]
    public void Discriminator_HasTutorialLayers_GivesProbabilities()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        var d = new Discriminator([1, 28, 28]);
        Assert.Equal(new[] { "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.4.weight", "model.4.bias" },
            d.named_parameters().Select(p => p.name));
        Assert.Equal(784L * 512 + 512 + 512 * 256 + 256 + 256 + 1, d.parameters().Sum(p => p.numel()));
        var p = d.call(torch.randn(7, 1, 28, 28));
        Assert.Equal(new long[] { 7, 1 }, p.shape);
        Assert.True(p.min().item<float>() > 0 && p.max().item<float>() < 1);
    }

    [Fact]
    public void ImgShape_NotThreePositiveSizes_IsErrorWithExample()
    {
        var e = Assert.Throws<KilnException>(() => new Discriminator([28, 28]));
        Assert.Contains("Discriminator.img_shape = (28, 28)", e.Message);
        Assert.Contains("(1, 28, 28)", e.Message);
    }
}
