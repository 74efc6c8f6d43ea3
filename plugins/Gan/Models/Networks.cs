using Kiln.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Gan.Models;

/// <summary>
/// The GAN tutorial's generator (MMEngine docs, "Train a GAN"): noise of <c>noise_size</c> values →
/// <c>Linear → LeakyReLU(0.2)</c> to 128, then <c>Linear → BatchNorm1d(out, eps=0.8) → LeakyReLU(0.2)</c> to 256,
/// 512 and 1024, then <c>Linear → Tanh</c> to the image's pixel count, reshaped to <c>N × img_shape</c>. Pixels are in
/// [-1, 1]. State-dict keys are the tutorial's (<c>model.0.weight</c> … <c>model.11.bias</c>, as <c>nn.Sequential</c>
/// numbers them).
/// </summary>
/// <example><code>generator = dict(type='Generator', noise_size=100, img_shape=(1, 28, 28))</code></example>
[Register(Registries.Models)]
public sealed class Generator : nn.Module<Tensor, Tensor>
{
    private readonly Sequential model;
    private readonly long[] _imgShape;

    /// <param name="noiseSize">Values per noise vector (the tutorial's 100).</param>
    /// <param name="imgShape">C, H, W of a generated image (the tutorial's (1, 28, 28)).</param>
    public Generator(int noiseSize = 100, IReadOnlyList<int>? imgShape = null) : base(nameof(Generator))
    {
        if (noiseSize < 1) throw new KilnException($"Generator.noise_size must be positive, got {noiseSize}.");
        _imgShape = ImageShape.Check(imgShape, "Generator");
        NoiseSize = noiseSize;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        void Block(long inFeat, long outFeat, bool normalize)
        {
            layers.Add(nn.Linear(inFeat, outFeat));
            if (normalize) layers.Add(nn.BatchNorm1d(outFeat, eps: 0.8));
            layers.Add(nn.LeakyReLU(0.2));
        }
        Block(noiseSize, 128, normalize: false);
        Block(128, 256, normalize: true);
        Block(256, 512, normalize: true);
        Block(512, 1024, normalize: true);
        layers.Add(nn.Linear(1024, _imgShape.Aggregate(1L, (a, b) => a * b)));
        layers.Add(nn.Tanh());
        model = nn.Sequential(layers.ToArray());
        RegisterComponents();
    }

    /// <summary>Values per noise vector.</summary>
    public int NoiseSize { get; }

    /// <summary>C, H, W of a generated image.</summary>
    public IReadOnlyList<long> ImgShape => _imgShape;

    /// <summary><paramref name="z"/> (N × noise_size) → images N × C × H × W in [-1, 1].</summary>
    public override Tensor forward(Tensor z)
    {
        if (z.dim() != 2 || z.shape[1] != NoiseSize)
            throw new KilnException($"Generator: noise must have shape [N, {NoiseSize}], got [{string.Join(", ", z.shape)}].");
        var img = model.call(z);
        return img.view([img.shape[0], .. _imgShape]);
    }
}

/// <summary>
/// The GAN tutorial's discriminator: the flattened image → <c>Linear(…, 512) → LeakyReLU(0.2) → Linear(512, 256) →
/// LeakyReLU(0.2) → Linear(256, 1) → Sigmoid</c>, the probability that each image is real (N × 1).
/// </summary>
/// <example><code>discriminator = dict(type='Discriminator', img_shape=(1, 28, 28))</code></example>
[Register(Registries.Models)]
public sealed class Discriminator : nn.Module<Tensor, Tensor>
{
    private readonly Sequential model;

    /// <param name="imgShape">C, H, W of the images it judges.</param>
    public Discriminator(IReadOnlyList<int>? imgShape = null) : base(nameof(Discriminator))
    {
        var shape = ImageShape.Check(imgShape, "Discriminator");
        model = nn.Sequential(
            nn.Linear(shape.Aggregate(1L, (a, b) => a * b), 512),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 256),
            nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
            nn.Sigmoid());
        RegisterComponents();
    }

    public override Tensor forward(Tensor img) => model.call(img.view(img.shape[0], -1));
}

internal static class ImageShape
{
    /// <summary>The tutorial's (1, 28, 28) when none is given; three positive sizes otherwise.</summary>
    public static long[] Check(IReadOnlyList<int>? imgShape, string owner)
    {
        if (imgShape is null) return [1, 28, 28];
        if (imgShape.Count != 3 || imgShape.Any(s => s < 1))
            throw new KilnException($"{owner}.img_shape = ({string.Join(", ", imgShape)}) must be three positive sizes (C, H, W), e.g. (1, 28, 28).");
        return imgShape.Select(s => (long)s).ToArray();
    }
}
