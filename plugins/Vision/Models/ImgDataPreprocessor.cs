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
        var samples = DataSamplesOf(batch);
        if (batch.Count == 0) throw new KilnException("ImgDataPreprocessor: the batch is empty.");
        // Same-sized images (the usual case, and always after default_collate) are stacked first and converted and
        // normalised as one batch: a handful of tensor operations per batch instead of several per image. The
        // arithmetic per pixel is the same as the per-image path's, so the results are identical.
        var stacked = batch.StackedInputs as Tensor ?? StackIfUniform(batch);
        if (stacked is not null)
        {
            var x = stacked.to(Device, non_blocking: NonBlocking);
            if (x.dim() != 4) throw new KilnException($"ImgDataPreprocessor: expected N×C×H×W images, got a batch of shape [{string.Join(", ", x.shape)}].");
            if (SwapChannels && x.shape[1] == 3) x = x.flip(1);
            // A conversion (uint8 → float32) makes a new tensor, which is normalised in place; a float32 batch
            // is the caller's and is left unchanged.
            bool fresh = x.dtype != float32;
            x = Normalize(x.to(float32), channels: x.shape[1], inPlace: fresh);
            return new PreprocessedBatch(PadBatch(x), samples);
        }
        var images = new Tensor[batch.Count];
        for (int i = 0; i < images.Length; i++)
        {
            var image = ((Tensor)batch.Inputs[i]).to(Device, non_blocking: NonBlocking);
            if (SwapChannels && image.shape[0] == 3) image = image.flip(0);
            images[i] = Normalize(image.to(float32), channels: image.shape[0], inPlace: false);
        }
        return new PreprocessedBatch(StackPadded(images), samples);
    }

    /// <summary><c>(x - mean) / std</c> with the mean and std broadcast over the channel dimension (third from last); <paramref name="inPlace"/> overwrites <paramref name="x"/>.</summary>
    private Tensor Normalize(Tensor x, long channels, bool inPlace)
    {
        if (_mean is null) return x;
        if (_mean.Length != channels && _mean.Length != 1)
            throw new KilnException($"ImgDataPreprocessor: mean has {_mean.Length} values but the image has {channels} channels.");
        var (mean, std) = MeanStd(x.device);
        return (inPlace ? x.sub_(mean) : x.sub(mean)).div_(std);
    }

    private Tensor? _meanTensor, _stdTensor;

    /// <summary>The mean and std as C×1×1 tensors on <paramref name="device"/>, made once (MMEngine keeps them as buffers).</summary>
    private (Tensor Mean, Tensor Std) MeanStd(Device device)
    {
        if (_meanTensor is null || _meanTensor.device_type != device.type || _meanTensor.device_index != device.index)
        {
            _meanTensor?.Dispose();
            _stdTensor?.Dispose();
            _meanTensor = tensor(_mean!.Select(v => (float)v).ToArray(), device: device).view(-1, 1, 1).DetachFromDisposeScope();
            _stdTensor = tensor(_std!.Select(v => (float)v).ToArray(), device: device).view(-1, 1, 1).DetachFromDisposeScope();
        }
        return (_meanTensor, _stdTensor!);
    }

    /// <summary>Stacks the batch's inputs when all are tensors of one shape and dtype; null when they differ (the per-image path pads them).</summary>
    private static Tensor? StackIfUniform(DataBatch batch)
    {
        var tensors = new Tensor[batch.Count];
        for (int i = 0; i < tensors.Length; i++)
            tensors[i] = batch.Inputs[i] as Tensor ?? throw new KilnException($"ImgDataPreprocessor: input {i} is a {batch.Inputs[i]?.GetType().Name ?? "None"}, not a tensor.");
        var shape = tensors[0].shape;
        var dtype = tensors[0].dtype;
        if (shape.Length != 3) throw new KilnException($"ImgDataPreprocessor: input 0 has shape [{string.Join(", ", shape)}]; expected C×H×W.");
        for (int i = 1; i < tensors.Length; i++)
        {
            if (tensors[i].dtype != dtype || tensors[i].dim() != 3) return null;
            var other = tensors[i].shape;
            if (other[0] != shape[0] || other[1] != shape[1] || other[2] != shape[2]) return null;
        }
        return stack(tensors);
    }

    /// <summary>Pads a N×C×H×W batch at the bottom and right to multiples of the divisor.</summary>
    private Tensor PadBatch(Tensor x)
    {
        long hIn = x.shape[2], wIn = x.shape[3];
        long h = (hIn + PadSizeDivisor - 1) / PadSizeDivisor * PadSizeDivisor;
        long w = (wIn + PadSizeDivisor - 1) / PadSizeDivisor * PadSizeDivisor;
        return h == hIn && w == wIn ? x : nn.functional.pad(x, [0, w - wIn, 0, h - hIn], value: PadValue);
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
