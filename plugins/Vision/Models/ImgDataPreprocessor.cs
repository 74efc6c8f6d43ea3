using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Vision.Models;

/// <summary>
/// MMEngine's <c>ImgDataPreprocessor</c>: stacks C×H×W images into a batch, pads them to a common size that is a
/// multiple of <c>pad_size_divisor</c>, optionally swaps BGR/RGB, and normalises with
/// <c>(x - mean) / std</c> (per channel, on the 0–255 pixel scale, as MMEngine configs give them).
/// </summary>
[Register(Registries.Models)]
public sealed class ImgDataPreprocessor : BaseDataPreprocessor
{
    private readonly double[]? _mean;
    private readonly double[]? _std;

    public ImgDataPreprocessor(IReadOnlyList<double>? mean = null, IReadOnlyList<double>? std = null, int padSizeDivisor = 1,
        double padValue = 0, bool bgrToRgb = false, bool rgbToBgr = false, bool nonBlocking = false)
        : base(nameof(ImgDataPreprocessor))
    {
        if ((mean is null) != (std is null))
            throw new KilnException("ImgDataPreprocessor: mean and std must both be set or both be None.");
        if (mean is not null && mean.Count != std!.Count)
            throw new KilnException($"ImgDataPreprocessor: mean has {mean.Count} values but std has {std.Count}.");
        // MMEngine's asserts: one value (grey) or three (RGB/BGR).
        if (mean is not null && mean.Count is not (1 or 3))
            throw new KilnException($"ImgDataPreprocessor: `mean` should have 1 or 3 values, to be compatible with RGB or gray image, but got {mean.Count} values");
        if (std is not null && std.Count is not (1 or 3))
            throw new KilnException($"ImgDataPreprocessor: `std` should have 1 or 3 values, to be compatible with RGB or gray image, but got {std.Count} values");
        if (bgrToRgb && rgbToBgr) throw new KilnException("ImgDataPreprocessor: bgr_to_rgb and rgb_to_bgr cannot both be True.");
        if (padSizeDivisor < 1) throw new KilnException($"ImgDataPreprocessor.pad_size_divisor must be at least 1, got {padSizeDivisor}.");
        _mean = mean?.ToArray();
        _std = std?.ToArray();
        PadSizeDivisor = padSizeDivisor;
        PadValue = padValue;
        SwapChannels = bgrToRgb || rgbToBgr;
        NonBlocking = nonBlocking;
    }

    public int PadSizeDivisor { get; }

    public double PadValue { get; }

    public bool SwapChannels { get; }

    public bool NonBlocking { get; }

    public override PreprocessedBatch Forward(DataBatch batch, bool training)
    {
        var images = new Tensor[batch.Count];
        for (int i = 0; i < images.Length; i++)
        {
            var image = (batch.Inputs[i] as Tensor ?? throw new KilnException($"ImgDataPreprocessor: input {i} is not a tensor.")).to(Device, non_blocking: NonBlocking);
            if (SwapChannels && image.shape[0] == 3) image = image.flip(0);
            image = image.to(float32);
            if (_mean is not null)
            {
                if (_mean.Length != image.shape[0] && _mean.Length != 1)
                    throw new KilnException($"ImgDataPreprocessor: mean has {_mean.Length} values but the image has {image.shape[0]} channels.");
                var mean = tensor(_mean.Select(v => (float)v).ToArray(), device: Device).view(-1, 1, 1);
                var std = tensor(_std!.Select(v => (float)v).ToArray(), device: Device).view(-1, 1, 1);
                image = (image - mean) / std;
            }
            images[i] = image;
        }
        return new PreprocessedBatch(StackPadded(images), DataSamplesOf(batch));
    }

    /// <summary>Pads every image at the bottom and right to the batch's largest size rounded up to the divisor, then stacks.</summary>
    private Tensor StackPadded(Tensor[] images)
    {
        long maxH = images.Max(t => t.shape[1]), maxW = images.Max(t => t.shape[2]);
        long h = (maxH + PadSizeDivisor - 1) / PadSizeDivisor * PadSizeDivisor;
        long w = (maxW + PadSizeDivisor - 1) / PadSizeDivisor * PadSizeDivisor;
        for (int i = 0; i < images.Length; i++)
            if (images[i].shape[1] != h || images[i].shape[2] != w)
                images[i] = nn.functional.pad(images[i], [0, w - images[i].shape[2], 0, h - images[i].shape[1]], value: PadValue);
        return stack(images);
    }
}
