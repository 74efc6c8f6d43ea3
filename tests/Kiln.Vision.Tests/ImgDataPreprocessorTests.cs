using Kiln.Structures;
using Kiln.Vision.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Vision.Tests;

/// <summary>
/// MOD-10: MMEngine's ImgDataPreprocessor. Same-sized images take the batched path (stack, then cast, swap and
/// normalise once); images of different sizes take the per-image path (pad after normalising). Both must give what
/// the formula gives: <c>(x - mean) / std</c> per channel, channels reversed with bgr_to_rgb, bottom/right padding with
/// pad_value to a multiple of pad_size_divisor.
/// </summary>
public class ImgDataPreprocessorTests
{
    private static DataBatch Batch(params Tensor[] images) =>
        new(images.Cast<object>().ToList(), images.Select(_ => (DataSample?)new DataSample()).ToList());

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a == b).all().item<bool>();

    private static Tensor Image(int channels, int h, int w, int offset) =>
        arange(channels * h * w, dtype: uint8).add(offset).view(channels, h, w);

    [Fact]
    public void Forward_SameSize_NormalisesPerChannelAsTheFormula()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [1, 2, 3], std: [2, 4, 8]);
        var a = Image(3, 2, 2, 0);
        var b = Image(3, 2, 2, 5);
        var output = pre.Forward(Batch(a, b), training: true).Inputs;

        Assert.Equal(float32, output.dtype);
        Assert.Equal(new long[] { 2, 3, 2, 2 }, output.shape);
        var expected = stack([a, b]).to(float64);
        var mean = tensor(new double[] { 1, 2, 3 }).view(1, 3, 1, 1);
        var std = tensor(new double[] { 2, 4, 8 }).view(1, 3, 1, 1);
        Assert.True(output.to(float64).allclose((expected - mean) / std, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Forward_BgrToRgb_ReversesChannelsBeforeNormalising()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [10, 20, 30], std: [1, 1, 1], bgrToRgb: true);
        var image = Image(3, 1, 2, 0);   // channels hold 0..1, 2..3, 4..5
        var output = pre.Forward(Batch(image), training: false).Inputs;
        // after the swap channel 0 is the old channel 2 (4, 5), minus mean[0] = 10
        Assert.Equal(new float[] { -6, -5, -18, -17, -30, -29 }, output.data<float>().ToArray());
    }

    [Fact]
    public void Forward_DifferentSizes_PadsBottomRightWithPadValueAfterNormalising()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [1], std: [1], padSizeDivisor: 4, padValue: -7);
        var small = Image(1, 2, 3, 1);
        var large = Image(1, 3, 5, 1);
        var output = pre.Forward(Batch(small, large), training: false).Inputs;

        Assert.Equal(new long[] { 2, 1, 4, 8 }, output.shape);   // 3×5 rounded up to multiples of 4
        Assert.True(Same(output[0, 0, ..2, ..3], small[0].to(float32) - 1));
        Assert.True(Same(output[1, 0, ..3, ..5], large[0].to(float32) - 1));
        Assert.True((output[0, 0, 2..] == -7).all().item<bool>());
        Assert.True((output[0, 0, ..2, 3..] == -7).all().item<bool>());
        Assert.True((output[1, 0, 3] == -7).all().item<bool>());
    }

    [Fact]
    public void Forward_SameSizeNotDivisible_PadsTheBatch()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(padSizeDivisor: 3, padValue: 9);
        var output = pre.Forward(Batch(Image(1, 2, 2, 0), Image(1, 2, 2, 4)), training: false).Inputs;
        Assert.Equal(new long[] { 2, 1, 3, 3 }, output.shape);
        Assert.Equal(new float[] { 0, 1, 9, 2, 3, 9, 9, 9, 9 }, output[0, 0].flatten().data<float>().ToArray());
    }

    [Fact]
    public void Forward_StackedByDefaultCollate_EqualsTheListPath()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [33.33], std: [78.57]);
        var images = new[] { Image(1, 4, 4, 3), Image(1, 4, 4, 9), Image(1, 4, 4, 200) };
        var listed = pre.Forward(Batch(images), training: true).Inputs;
        var stackedBatch = new DataBatch(images.Cast<object>().ToList(), images.Select(_ => (DataSample?)null).ToList(), stack(images));
        var stacked = pre.Forward(stackedBatch, training: true).Inputs;
        Assert.True(Same(listed, stacked));
    }

    [Theory] // the batched path normalises a converted (uint8) batch in place; the caller's tensors never change
    [InlineData("uint8")]
    [InlineData("float32")]
    public void Forward_StackedBatch_LeavesTheInputsUnchanged(string dtype)
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [33.33], std: [78.57]);
        var images = new[] { Image(1, 4, 4, 3), Image(1, 4, 4, 9) }.Select(t => dtype == "uint8" ? t : t.to(float32)).ToArray();
        var stacked = stack(images);
        var before = stacked.clone();
        var output = pre.Forward(new DataBatch(images.Cast<object>().ToList(), [null, null], stacked), training: true).Inputs;
        Assert.True(Same(before, stacked));
        Assert.True(output.allclose((before.to(float32) - 33.33f) / 78.57f, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Forward_ChannelCountMismatch_ErrorNamesBoth()
    {
        using var scope = NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [1, 2, 3], std: [1, 1, 1]);
        var error = Assert.Throws<KilnException>(() => pre.Forward(Batch(Image(1, 2, 2, 0)), training: false));
        Assert.Contains("mean has 3 values but the image has 1 channels", error.Message);
    }
}
