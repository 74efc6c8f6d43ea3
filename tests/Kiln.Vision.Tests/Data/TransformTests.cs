using Kiln.Datasets;
using Kiln.Randomness;
using Kiln.Structures;
using Kiln.TestKit;
using Kiln.Vision.Transforms;
using TorchSharp;

namespace Kiln.Vision.Tests.Data;

/// <summary>The Vision plugin's MMCV-named transforms (DATA-23).</summary>
public class TransformTests
{
    /// <summary>A 4×6 BGR image whose pixel (y, x) channel c is 100c + 10y + x.</summary>
    private static Image Ramp(int h = 4, int w = 6, int c = 3)
    {
        var img = new Image(h, w, c);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int k = 0; k < c; k++) img[y, x, k] = 100 * k + 10 * y + x;
        return img;
    }

    private static Dictionary<string, object?> With(Image img) => new() { ["img"] = img, ["img_shape"] = img.Shape };

    [Fact]
    public void LoadImageFromFile_PngRoundTrip_BgrAndGrey()
    {
        using var tmp = new TempDir();
        var img = Ramp();
        File.WriteAllBytes(tmp.Combine("a.png"), img.EncodePng());
        var r = new LoadImageFromFile().Transform(new() { ["img_path"] = tmp.Combine("a.png") })!;
        var loaded = (Image)r["img"]!;
        Assert.Equal(img.Data, loaded.Data);   // PNG is lossless; channel order BGR both ways
        Assert.Equal(new long[] { 4, 6 }, r["img_shape"]);
        Assert.Equal(new long[] { 4, 6 }, r["ori_shape"]);
        var grey = (Image)new LoadImageFromFile(colorType: "grayscale").Transform(new() { ["img_path"] = tmp.Combine("a.png") })!["img"]!;
        Assert.Equal(1, grey.Channels);
        Assert.Equal(MathF.Round(0.299f * img[1, 2, 2] + 0.587f * img[1, 2, 1] + 0.114f * img[1, 2, 0]), grey[1, 2, 0]);
        // missing file: an error naming it, or a dropped sample with ignore_empty
        Assert.Contains("nope.png", Assert.Throws<KilnException>(() => new LoadImageFromFile().Transform(new() { ["img_path"] = tmp.Combine("nope.png") })).Message);
        Assert.Null(new LoadImageFromFile(ignoreEmpty: true).Transform(new() { ["img_path"] = tmp.Combine("nope.png") }));
        // a truncated PNG is an error naming the file
        File.WriteAllBytes(tmp.Combine("bad.png"), img.EncodePng()[..40]);
        Assert.Contains("bad.png", Assert.Throws<KilnException>(() => new LoadImageFromFile().Transform(new() { ["img_path"] = tmp.Combine("bad.png") })).Message);
    }

    [Fact]
    public void Resize_CenterCrop_Pad_Geometry()
    {
        var r = new Resize(scale: [3, 2]).Transform(With(Ramp()))!;
        Assert.Equal(new long[] { 2, 3 }, r["img_shape"]);
        // halving exactly: bilinear with half-pixel centres averages 2x2 blocks
        Assert.Equal((0 + 1 + 10 + 11) / 4f, ((Image)r["img"]!)[0, 0, 0], 4);
        var kept = new Resize(scale: [12, 12], keepRatio: true).Transform(With(Ramp()))!;
        Assert.Equal(new long[] { 8, 12 }, kept["img_shape"]);   // 4x6 scaled by 2 fits in 12x12
        var crop = (Image)new CenterCrop([2, 2]).Transform(With(Ramp()))!["img"]!;
        Assert.Equal(new float[] { 12, 13, 22, 23 }, new[] { crop[0, 0, 0], crop[0, 1, 0], crop[1, 0, 0], crop[1, 1, 0] });
        var pad = new Pad(sizeDivisor: 4, padVal: 7).Transform(With(Ramp()))!;
        var padded = (Image)pad["img"]!;
        Assert.Equal((4, 8), (padded.Height, padded.Width));
        Assert.Equal(7f, padded[0, 7, 0]);
        Assert.Equal(new long[] { 4, 8 }, pad["pad_shape"]);
    }

    [Fact]
    public void Normalize_SwapsToRgbAndStandardises()
    {
        var img = (Image)new Normalize([1, 2, 3], [2, 2, 2]).Transform(With(Ramp()))!["img"]!;
        // output channel 0 is the input's channel 2 (R of BGR): (200 + 10y + x - 1) / 2
        Assert.Equal((200 + 11 - 1) / 2f, img[1, 1, 0]);
        Assert.Equal((0 + 11 - 3) / 2f, img[1, 1, 2]);
        var noSwap = (Image)new Normalize([0, 0, 0], [1, 1, 1], toRgb: false).Transform(With(Ramp()))!["img"]!;
        Assert.Equal(11f, noSwap[1, 1, 0]);
    }

    [Fact]
    public void RandomTransforms_FollowKilnRandomCurrent()
    {
        Image Run(int seed, ITransform t)
        {
            using var _ = KilnRandom.Use(new Random(seed));
            return (Image)t.Transform(With(Ramp(8, 8)))!["img"]!;
        }
        var crop = new RandomCrop([4], padding: [2]);
        Assert.Equal(Run(5, crop).Data, Run(5, crop).Data);
        Assert.Contains(Enumerable.Range(0, 20), s => !Run(s, crop).Data.SequenceEqual(Run(5, crop).Data));
        var flip = new RandomFlip(prob: 1.0);
        var flipped = Run(0, flip);
        Assert.Equal(Ramp(8, 8)[2, 7, 1], flipped[2, 0, 1]);
        var none = new RandomFlip(prob: 0.0).Transform(With(Ramp()))!;
        Assert.Equal(false, none["flip"]);
        var jitter = new ColorJitter(brightness: 0.5, contrast: 0.5);
        Assert.Equal(Run(3, jitter).Data, Run(3, jitter).Data);
        Assert.All(Run(3, jitter).Data, v => Assert.InRange(v, 0f, 255f));
        var rr = new RandomResize([8L, 8L], ratioRange: [0.5, 1.0]);
        Assert.InRange(Run(1, rr).Width, 4, 8);
        Assert.Contains("hue", Assert.Throws<KilnException>(() => new ColorJitter(hue: 0.1)).Message);
        Assert.Contains("crop_size", Assert.Throws<KilnException>(() => new RandomCrop([10]).Transform(With(Ramp()))).Message);
    }

    [Fact]
    public void PackInputs_ChwTensorAndDataSample()
    {
        using var scope = torch.NewDisposeScope();
        var results = With(Ramp());
        results["gt_label"] = 3L;
        results["img_path"] = "x.png";
        results["sample_idx"] = 5L;
        var packed = new PackInputs().Transform(results)!;
        var t = (torch.Tensor)packed["inputs"]!;
        Assert.Equal(new long[] { 3, 4, 6 }, t.shape);
        Assert.Equal(100f + 10 + 2, t[1, 1, 2].item<float>());
        var ds = (DataSample)packed["data_samples"]!;
        Assert.Equal(3L, ds.GtLabel);
        Assert.Equal("x.png", ds.MetaInfo["img_path"]);
        Assert.Equal(5L, ds.MetaInfo["sample_idx"]);
        var hwc = (torch.Tensor)new ToTensor(["img"]).Transform(With(Ramp()))!["img"]!;
        Assert.Equal(new long[] { 4, 6, 3 }, hwc.shape);
    }
}
