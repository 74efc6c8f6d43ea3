using Kiln.Metrics;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Metrics.Tests;

/// <summary>
/// The image metrics of mmagic against their textbook definitions, worked by hand: MAE = mean |x − y| and
/// MSE = mean (x − y)² on [0, 1] pixels (x/255); PSNR = 10·log10(MAX² / MSE) = 20·log10(255 / √MSE) on [0, 255]
/// pixels (Gonzalez &amp; Woods, Digital Image Processing; Wikipedia "Peak signal-to-noise ratio");
/// SSIM = ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)), C1 = (0.01·255)², C2 = (0.03·255)²,
/// with μ, σ Gaussian-weighted over 11×11 windows, σ = 1.5 (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004);
/// Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 (ITU-R BT.601).
/// </summary>
public class PixelMetricTests
{
    private static readonly DataBatch NoBatch = new([], []);

    private static DataSample Pair(object gt, object pred)
    {
        var s = new DataSample();
        s.Set("gt_img", gt);
        s.Set("pred_img", pred);
        return s;
    }

    private static IReadOnlyDictionary<string, double> Run(Kiln.Evaluation.BaseMetric metric, params DataSample[] samples)
    {
        metric.Process(NoBatch, samples);
        return metric.Evaluate(samples.Length);
    }

    [Fact]
    public void MaeAndMse_OnePixelGrid_MatchHandValues()
    {
        float[,] gt = { { 0, 255 }, { 100, 50 } };
        float[,] pred = { { 255, 255 }, { 0, 50 } };
        // |diff|/255 = 1, 0, 100/255, 0
        Assert.Equal((1 + 100.0 / 255) / 4, Run(new MeanAbsoluteError(), Pair(gt, pred))["MAE"], 12);
        Assert.Equal((1 + Math.Pow(100.0 / 255, 2)) / 4, Run(new MeanSquaredError(), Pair(gt, pred))["MSE"], 12);
        // two samples: the metric is the mean of the per-sample values, times scaling
        float[,] same = { { 1, 2 }, { 3, 4 } };
        Assert.Equal((1 + 100.0 / 255) / 4 / 2 * 100, Run(new MeanAbsoluteError(scaling: 100), Pair(gt, pred), Pair(same, same))["MAE"], 10);
    }

    [Fact]
    public void Mae_WithMask_AveragesOverMaskedPixels()
    {
        float[,] gt = { { 0, 255 }, { 100, 50 } };
        float[,] pred = { { 255, 0 }, { 0, 50 } };
        var s = Pair(gt, pred);
        s.Set("mask", new float[,] { { 1, 0 }, { 5, 0 } }); // non-zero counts as 1
        // masked |diff|: 1 + 100/255 over 2 pixels
        Assert.Equal((1 + 100.0 / 255) / 2, Run(new MeanAbsoluteError(maskKey: "mask"), s)["MAE"], 10);
    }

    [Fact]
    public void Psnr_MatchesDefinition_IdenticalIsInfinite_TensorsAccepted()
    {
        // CHW 1×2×2: squared errors 4, 0, 0, 16 → MSE 5
        float[,,] gt = { { { 10, 20 }, { 30, 40 } } };
        float[,,] pred = { { { 12, 20 }, { 30, 36 } } };
        double expected = 10 * Math.Log10(255.0 * 255.0 / 5);
        Assert.Equal(expected, Run(new PSNR(), Pair(gt, pred))["PSNR"], 10);
        Assert.Equal(double.PositiveInfinity, Run(new PSNR(), Pair(gt, gt))["PSNR"]);
        using (torch.NewDisposeScope())
        {
            var t1 = torch.tensor(new float[] { 10, 20, 30, 40 }).reshape(1, 2, 2);
            var t2 = torch.tensor(new float[] { 12, 20, 30, 36 }).reshape(1, 2, 2);
            Assert.Equal(expected, Run(new PSNR(), Pair(t1, t2))["PSNR"], 10);
        }
    }

    [Fact]
    public void Psnr_CropBorder_IgnoresEdgePixels_AndHwcOrder()
    {
        var gt = new float[4, 4, 1];
        var pred = new float[4, 4, 1];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) { gt[y, x, 0] = 100; pred[y, x, 0] = y is 0 or 3 || x is 0 or 3 ? 0 : 103; }
        // only the centre 2×2 counts: every error 3 → MSE 9
        Assert.Equal(20 * Math.Log10(255.0 / 3), Run(new PSNR(cropBorder: 1, inputOrder: "HWC"), Pair(gt, pred))["PSNR"], 10);
        Assert.Contains("crop_border = 2 leaves nothing", Assert.Throws<KilnException>(() => Run(new PSNR(cropBorder: 2, inputOrder: "HWC"), Pair(gt, pred))).Message);
        Assert.Contains("Wrong input_order", Assert.Throws<KilnException>(() => new PSNR(inputOrder: "NCHW")).Message);
        Assert.Contains("Wrong color model", Assert.Throws<KilnException>(() => new SSIM(convertTo: "lab")).Message);
    }

    [Fact]
    public void Psnr_ConvertToY_UsesBt601LumaOfBgr()
    {
        // one pixel, HWC, channels B, G, R
        float[,,] gt = { { { 10, 20, 30 } } };
        float[,,] pred = { { { 40, 20, 30 } } };
        double y1 = 16 + (65.481 * 30 + 128.553 * 20 + 24.966 * 10) / 255;
        double y2 = 16 + (65.481 * 30 + 128.553 * 20 + 24.966 * 40) / 255;
        double expected = 20 * Math.Log10(255 / Math.Abs(y1 - y2));
        Assert.Equal(expected, Run(new PSNR(inputOrder: "HWC", convertTo: "Y"), Pair(gt, pred))["PSNR"], 8);
    }

    [Fact]
    public void Ssim_ConstantImages_ReduceToLuminanceTerm()
    {
        // constant images: σ = 0 everywhere, so SSIM = (2·100·110 + C1) / (100² + 110² + C1)
        const double C1 = 6.5025;
        var gt = new float[1, 12, 12];
        var pred = new float[1, 12, 12];
        for (int y = 0; y < 12; y++) for (int x = 0; x < 12; x++) { gt[0, y, x] = 100; pred[0, y, x] = 110; }
        Assert.Equal((2 * 100 * 110 + C1) / (100 * 100 + 110 * 110 + C1), Run(new SSIM(), Pair(gt, pred))["SSIM"], 10);
        Assert.Equal(1.0, Run(new SSIM(), Pair(gt, gt))["SSIM"], 12);
    }

    [Fact]
    public void Ssim_SingleWindow_MatchesHandComputedGaussianStatistics()
    {
        // An 11×11 image has exactly one window: μ, σ², σxy are the Gaussian-weighted moments over all pixels.
        var gt = new float[1, 11, 11];
        var pred = new float[1, 11, 11];
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 11; x++) { gt[0, y, x] = (x * 23 + y * 7) % 256; pred[0, y, x] = (x * 19 + y * 11 + 5) % 256; }
        var g = new double[11];
        for (int i = 0; i < 11; i++) g[i] = Math.Exp(-(i - 5) * (i - 5) / 4.5);
        double norm = g.Sum();
        double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 11; x++)
            {
                double w = g[y] / norm * (g[x] / norm), a = gt[0, y, x], b = pred[0, y, x];
                mx += w * a; my += w * b; sxx += w * a * a; syy += w * b * b; sxy += w * a * b;
            }
        double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
        const double C1 = 6.5025, C2 = 58.5225;
        double expected = (2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
        Assert.Equal(expected, Run(new SSIM(), Pair(gt, pred))["SSIM"], 10);
        Assert.Contains("at least 11×11", Assert.Throws<KilnException>(() => Run(new SSIM(), Pair(new float[1, 10, 10], new float[1, 10, 10]))).Message);
    }

    [Fact]
    public void SampleWise_MismatchedShapesOrMissingKey_AreClearErrors()
    {
        Assert.Contains("Image shapes are different", Assert.Throws<KilnException>(() => Run(new MeanSquaredError(), Pair(new float[2, 2], new float[2, 3]))).Message);
        var e = Assert.Throws<KilnException>(() => Run(new PSNR(gtKey: "hr"), Pair(new float[2, 2], new float[2, 2])));
        Assert.Contains("data sample has no 'hr'", e.Message);
    }
}
