using System.Globalization;
using Kiln.Evaluation;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Metrics;

/// <summary>
/// mmagic's <c>BaseSampleWiseMetric</c>: each data sample's ground truth (<c>gt_key</c>, default <c>gt_img</c>) and
/// prediction (<c>pred_key</c>, default <c>pred_img</c>; also looked up in an <c>output</c> dict as mmagic does) give
/// one number per sample (a 4-D stack of frames: the mean over frames), kept as a plain double; the metric is their
/// mean times <c>scaling</c>. Images are tensors or .NET arrays (<c>float[,,]</c>, <c>double[,]</c>, …) of
/// values in [0, 255]. The metric name has no default prefix, as in mmagic.
/// </summary>
public abstract class SampleWiseMetric : BaseMetric
{
    protected SampleWiseMetric(string gtKey, string predKey, string? maskKey, double scaling, string collectDevice, string? prefix)
        : base(prefix, collectDevice)
    {
        GtKey = gtKey;
        PredKey = predKey;
        MaskKey = maskKey;
        Scaling = scaling;
    }

    /// <summary>The metric's name (mmagic's class attribute <c>metric</c>).</summary>
    protected abstract string Metric { get; }

    public string GtKey { get; }

    public string PredKey { get; }

    public string? MaskKey { get; }

    public double Scaling { get; }

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var sample in dataSamples)
        {
            var gt = Image.From(Field(sample, GtKey), GtKey, GetType().Name);
            var pred = Image.From(Field(sample, PredKey), PredKey, GetType().Name);
            if (!gt.Shape.SequenceEqual(pred.Shape))
                throw new KilnException($"{GetType().Name}: Image shapes are different: ({string.Join(", ", gt.Shape)}), ({string.Join(", ", pred.Shape)}).");
            Image? mask = MaskKey is null ? null : Image.From(Field(sample, MaskKey), MaskKey, GetType().Name);
            if (gt.Shape.Length <= 3)
                Results.Add(ProcessImage(gt, pred, mask));
            else
            {
                int frames = gt.Shape[0];
                double sum = 0;
                for (int i = 0; i < frames; i++) sum += ProcessImage(gt.Frame(i), pred.Frame(i), mask?.Frame(i));
                Results.Add(sum / frames);
            }
        }
    }

    /// <summary>The metric of one image (2-D or 3-D).</summary>
    protected abstract double ProcessImage(Image gt, Image pred, Image? mask);

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
        => new Dictionary<string, double> { [Metric] = results.Sum(r => (double)r) / results.Count * Scaling };

    /// <summary>
    /// Streams into the sum and number of the per-sample values (summed in the same order as <see cref="ComputeMetrics"/>
    /// in one process; across ranks the per-rank sums are added in rank order, which can differ in the last bits).
    /// </summary>
    protected override MetricAccumulator CreateAccumulator() => new State(this);

    private sealed class State(SampleWiseMetric owner) : MetricAccumulator
    {
        private double _sum;

        protected override void AddItem(object item) => _sum += (double)item;

        protected override void MergeState(MetricAccumulator other) => _sum += ((State)other)._sum;

        public override object? ToPlain() => _sum;

        protected override void LoadState(object? plain) => _sum = (double)plain!;

        public override IReadOnlyDictionary<string, double> ComputeMetrics()
            => new Dictionary<string, double> { [owner.Metric] = _sum / Count * owner.Scaling };
    }

    private static object Field(DataSample sample, string key)
    {
        if (sample.Fields.TryGetValue(key, out var value) && value is not null) return value;
        if (sample.Fields.TryGetValue("output", out var output) && output is System.Collections.IDictionary dict && dict.Contains(key) && dict[key] is { } nested)
            return nested;
        throw new KilnException($"data sample has no '{key}' (fields: {string.Join(", ", sample.Fields.Keys)}); set gt_key/pred_key to the fields holding the images.");
    }

    /// <summary>An image as doubles in row-major order with its shape.</summary>
    public sealed record Image(double[] Data, int[] Shape)
    {
        public static Image From(object value, string key, string owner)
        {
            switch (value)
            {
                case torch.Tensor t:
                    using (var d = t.detach().to(torch.CPU).to_type(torch.float64).contiguous())
                        return new Image(d.data<double>().ToArray(), t.shape.Select(s => (int)s).ToArray());
                case Array a when a.Rank >= 2:
                    var shape = Enumerable.Range(0, a.Rank).Select(a.GetLength).ToArray();
                    var data = new double[a.Length];
                    int i = 0;
                    foreach (var v in a) data[i++] = Convert.ToDouble(v, CultureInfo.InvariantCulture);
                    return new Image(data, shape);
                default:
                    throw new KilnException($"{owner}: '{key}' is a {value.GetType().Name}; give a tensor or a 2-D/3-D/4-D array of pixel values.");
            }
        }

        public Image Frame(int index)
        {
            int size = Data.Length / Shape[0];
            return new Image(Data.AsSpan(index * size, size).ToArray(), Shape[1..]);
        }
    }
}

/// <summary>mmagic's <c>MAE</c>: mean(|gt − pred|) on images scaled by 1/255; with <c>mask_key</c>, over the mask only.</summary>
[Register(Registries.Metrics)]
[Register(Registries.Metrics, "MAE")]
public sealed class MeanAbsoluteError(string gtKey = "gt_img", string predKey = "pred_img", string? maskKey = null, double scaling = 1,
    string collectDevice = "cpu", string? prefix = null) : SampleWiseMetric(gtKey, predKey, maskKey, scaling, collectDevice, prefix)
{
    protected override string Metric => "MAE";

    protected override double ProcessImage(Image gt, Image pred, Image? mask) => PixelError.Mean(gt, pred, mask, Math.Abs);
}

/// <summary>mmagic's <c>MSE</c>: mean((gt − pred)²) on images scaled by 1/255; with <c>mask_key</c>, over the mask only.</summary>
[Register(Registries.Metrics)]
[Register(Registries.Metrics, "MSE")]
public sealed class MeanSquaredError(string gtKey = "gt_img", string predKey = "pred_img", string? maskKey = null, double scaling = 1,
    string collectDevice = "cpu", string? prefix = null) : SampleWiseMetric(gtKey, predKey, maskKey, scaling, collectDevice, prefix)
{
    protected override string Metric => "MSE";

    protected override double ProcessImage(Image gt, Image pred, Image? mask) => PixelError.Mean(gt, pred, mask, d => d * d);
}

internal static class PixelError
{
    /// <summary>
    /// mmagic: <c>diff = f(gt/255 − pred/255)</c>; no mask: its mean; a mask (non-zero → 1, broadcast over leading
    /// channels): <c>sum(diff·mask) / (sum(mask) · size(diff)/size(mask) + 1e-12)</c>.
    /// </summary>
    public static double Mean(SampleWiseMetric.Image gt, SampleWiseMetric.Image pred, SampleWiseMetric.Image? mask, Func<double, double> f)
    {
        if (mask is null)
        {
            double sum = 0;
            for (int i = 0; i < gt.Data.Length; i++) sum += f(gt.Data[i] / 255.0 - pred.Data[i] / 255.0);
            return sum / gt.Data.Length;
        }
        if (mask.Data.Length == 0 || gt.Data.Length % mask.Data.Length != 0)
            throw new KilnException($"the mask ({string.Join(", ", mask.Shape)}) does not broadcast over the image ({string.Join(", ", gt.Shape)}).");
        double masked = 0, maskSum = 0;
        for (int i = 0; i < gt.Data.Length; i++)
            masked += f(gt.Data[i] / 255.0 - pred.Data[i] / 255.0) * (mask.Data[i % mask.Data.Length] != 0 ? 1 : 0);
        foreach (var m in mask.Data) maskSum += m != 0 ? 1 : 0;
        double scale = (double)gt.Data.Length / mask.Data.Length;
        return masked / (maskSum * scale + 1e-12);
    }
}

/// <summary>
/// mmagic's <c>PSNR</c>: 20·log10(255 / √MSE) on images in [0, 255] after <c>img_transform</c> (<c>input_order</c>
/// 'CHW' or 'HWC', <c>convert_to='Y'</c> for the BT.601 luma of BGR images, <c>crop_border</c> pixels cut from each
/// edge); identical images give +∞.
/// </summary>
[Register(Registries.Metrics)]
public sealed class PSNR : SampleWiseMetric
{
    public PSNR(string gtKey = "gt_img", string predKey = "pred_img", string collectDevice = "cpu", string? prefix = null,
        int cropBorder = 0, string inputOrder = "CHW", string? convertTo = null)
        : base(gtKey, predKey, null, 1, collectDevice, prefix)
    {
        Transform = new ImgTransform(cropBorder, inputOrder, convertTo, nameof(PSNR));
    }

    internal ImgTransform Transform { get; }

    protected override string Metric => "PSNR";

    protected override double ProcessImage(Image gt, Image pred, Image? mask)
    {
        var (a, _, _, _) = Transform.Apply(gt);
        var (b, _, _, _) = Transform.Apply(pred);
        double mse = 0;
        for (int i = 0; i < a.Length; i++) mse += (a[i] - b[i]) * (a[i] - b[i]);
        mse /= a.Length;
        return mse == 0 ? double.PositiveInfinity : 20.0 * Math.Log10(255.0 / Math.Sqrt(mse));
    }
}

/// <summary>
/// mmagic's <c>SSIM</c> (Wang et al. 2004, as their MATLAB code): per channel, an 11×11 Gaussian window (σ 1.5),
/// C1 = (0.01·255)², C2 = (0.03·255)², the SSIM map over the windows that fit inside the image, averaged, then
/// averaged over channels; the same <c>crop_border</c>/<c>input_order</c>/<c>convert_to</c> as <see cref="PSNR"/>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class SSIM : SampleWiseMetric
{
    public SSIM(string gtKey = "gt_img", string predKey = "pred_img", string collectDevice = "cpu", string? prefix = null,
        int cropBorder = 0, string inputOrder = "CHW", string? convertTo = null)
        : base(gtKey, predKey, null, 1, collectDevice, prefix)
    {
        Transform = new ImgTransform(cropBorder, inputOrder, convertTo, nameof(SSIM));
    }

    internal ImgTransform Transform { get; }

    protected override string Metric => "SSIM";

    protected override double ProcessImage(Image gt, Image pred, Image? mask)
    {
        var (a, h, w, c) = Transform.Apply(gt);
        var (b, _, _, _) = Transform.Apply(pred);
        if (h < 11 || w < 11) throw new KilnException($"SSIM needs images of at least 11×11 pixels after cropping; got {h}×{w}.");
        double sum = 0;
        for (int ch = 0; ch < c; ch++) sum += SsimChannel(a, b, h, w, c, ch);
        return sum / c;
    }

    private static readonly double[] Window = GaussianWindow();

    /// <summary>cv2.getGaussianKernel(11, 1.5) outer itself.</summary>
    private static double[] GaussianWindow()
    {
        var k = new double[11];
        for (int i = 0; i < 11; i++) k[i] = Math.Exp(-((i - 5) * (i - 5)) / (2 * 1.5 * 1.5));
        double s = k.Sum();
        var window = new double[121];
        for (int i = 0; i < 11; i++)
            for (int j = 0; j < 11; j++) window[i * 11 + j] = k[i] / s * (k[j] / s);
        return window;
    }

    private static double SsimChannel(double[] a, double[] b, int h, int w, int c, int ch)
    {
        const double C1 = 0.01 * 255 * (0.01 * 255), C2 = 0.03 * 255 * (0.03 * 255);
        double total = 0;
        int count = 0;
        for (int y = 5; y < h - 5; y++)
            for (int x = 5; x < w - 5; x++)
            {
                double mu1 = 0, mu2 = 0, s11 = 0, s22 = 0, s12 = 0;
                for (int dy = -5; dy <= 5; dy++)
                    for (int dx = -5; dx <= 5; dx++)
                    {
                        double g = Window[(dy + 5) * 11 + dx + 5];
                        int idx = ((y + dy) * w + (x + dx)) * c + ch;
                        double p = a[idx], q = b[idx];
                        mu1 += g * p; mu2 += g * q; s11 += g * p * p; s22 += g * q * q; s12 += g * p * q;
                    }
                double var1 = s11 - mu1 * mu1, var2 = s22 - mu2 * mu2, cov = s12 - mu1 * mu2;
                total += (2 * mu1 * mu2 + C1) * (2 * cov + C2) / ((mu1 * mu1 + mu2 * mu2 + C1) * (var1 + var2 + C2));
                count++;
            }
        return total / count;
    }
}

/// <summary>mmagic's <c>img_transform</c> with <c>channel_order='BGR'</c> (BaseSampleWiseMetric's): to HWC doubles, optional Y channel, border crop.</summary>
internal sealed class ImgTransform
{
    public ImgTransform(int cropBorder, string inputOrder, string? convertTo, string owner)
    {
        if (inputOrder is not ("HWC" or "CHW"))
            throw new KilnException($"{owner}.input_order = '{inputOrder}': Wrong input_order. Supported input_orders are \"HWC\" and \"CHW\".");
        if (convertTo is not null && !convertTo.Equals("y", StringComparison.OrdinalIgnoreCase))
            throw new KilnException($"{owner}.convert_to = '{convertTo}': Wrong color model. Supported values are \"Y\" and None.");
        if (cropBorder < 0) throw new KilnException($"{owner}.crop_border = {cropBorder}: must be 0 or more.");
        CropBorder = cropBorder;
        InputOrder = inputOrder;
        ToY = convertTo is not null;
        Owner = owner;
    }

    public int CropBorder { get; }

    public string InputOrder { get; }

    public bool ToY { get; }

    private string Owner { get; }

    /// <summary>The image as HWC doubles (after Y conversion and cropping) with its height, width and channels.</summary>
    public (double[] Data, int H, int W, int C) Apply(SampleWiseMetric.Image img)
    {
        int h, w, c;
        Func<int, int, int, double> at;
        var d = img.Data;
        if (img.Shape.Length == 2)
        {
            (h, w, c) = (img.Shape[0], img.Shape[1], 1);
            at = (y, x, _) => d[y * w + x];
        }
        else if (InputOrder == "CHW")
        {
            (c, h, w) = (img.Shape[0], img.Shape[1], img.Shape[2]);
            at = (y, x, ch) => d[(ch * h + y) * w + x];
        }
        else
        {
            (h, w, c) = (img.Shape[0], img.Shape[1], img.Shape[2]);
            at = (y, x, ch) => d[(y * w + x) * c + ch];
        }
        int outC = c;
        if (ToY)
        {
            if (c != 3) throw new KilnException($"{Owner}: convert_to='Y' needs 3-channel (BGR) images; this one has {c}.");
            outC = 1;
        }
        int top = CropBorder, ho = h - 2 * CropBorder, wo = w - 2 * CropBorder;
        if (ho <= 0 || wo <= 0) throw new KilnException($"{Owner}.crop_border = {CropBorder} leaves nothing of a {h}×{w} image.");
        var result = new double[ho * wo * outC];
        for (int y = 0; y < ho; y++)
            for (int x = 0; x < wo; x++)
            {
                if (ToY)
                {
                    // mmcv bgr2ycbcr(y_only=True) on [0, 1] values, times 255: 16 + (24.966 B + 128.553 G + 65.481 R) / 255.
                    double bl = at(y + top, x + top, 0), g = at(y + top, x + top, 1), r = at(y + top, x + top, 2);
                    result[y * wo + x] = (bl / 255.0 * 24.966 + g / 255.0 * 128.553 + r / 255.0 * 65.481 + 16.0) / 255.0 * 255.0;
                }
                else
                    for (int ch = 0; ch < c; ch++) result[(y * wo + x) * c + ch] = at(y + top, x + top, ch);
            }
        return (result, ho, wo, outC);
    }
}
