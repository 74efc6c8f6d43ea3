using Kiln.Datasets;
using Kiln.Randomness;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Vision.Transforms;

/// <summary>Helpers shared by the image transforms.</summary>
internal static class Results
{
    public static Image Img(Dictionary<string, object?> results, string transform, string key = "img") =>
        results.TryGetValue(key, out var v) && v is Image img ? img
            : throw new KilnException($"{transform}: results['{key}'] is {(v is null ? "missing" : v.GetType().Name)}; put LoadImageFromFile (or another loader) earlier in the pipeline.");

    /// <summary>A size given as an int (square) or a (w, h) pair, MMCV's convention for <c>scale</c>/<c>crop_size</c>.</summary>
    public static (int W, int H) WH(IReadOnlyList<int> size, string what) => size.Count switch
    {
        1 => (size[0], size[0]),
        2 => (size[0], size[1]),
        _ => throw new KilnException($"{what} = ({string.Join(", ", size)}) must be an int or a (w, h) pair."),
    };

    public static void SetShape(Dictionary<string, object?> results, Image img) => results["img_shape"] = new long[] { img.Height, img.Width };

    /// <summary>Bilinear resize with half-pixel centres (OpenCV's INTER_LINEAR), or nearest.</summary>
    public static Image Resize(Image src, int w, int h, string interpolation)
    {
        if (w <= 0 || h <= 0) throw new KilnException($"Resize: target size {w}x{h} must be positive.");
        var dst = new Image(h, w, src.Channels);
        float sx = (float)src.Width / w, sy = (float)src.Height / h;
        int c = src.Channels;
        for (int y = 0; y < h; y++)
        {
            float fy = (y + 0.5f) * sy - 0.5f;
            for (int x = 0; x < w; x++)
            {
                float fx = (x + 0.5f) * sx - 0.5f;
                if (interpolation == "nearest")
                {
                    int nx = Math.Min((int)MathF.Floor(x * sx), src.Width - 1), ny = Math.Min((int)MathF.Floor(y * sy), src.Height - 1);
                    for (int k = 0; k < c; k++) dst[y, x, k] = src[ny, nx, k];
                    continue;
                }
                int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
                float ax = fx - x0, ay = fy - y0;
                int xa = Math.Clamp(x0, 0, src.Width - 1), xb = Math.Clamp(x0 + 1, 0, src.Width - 1);
                int ya = Math.Clamp(y0, 0, src.Height - 1), yb = Math.Clamp(y0 + 1, 0, src.Height - 1);
                for (int k = 0; k < c; k++)
                    dst[y, x, k] = (1 - ay) * ((1 - ax) * src[ya, xa, k] + ax * src[ya, xb, k]) + ay * ((1 - ax) * src[yb, xa, k] + ax * src[yb, xb, k]);
            }
        }
        return dst;
    }

    public static Image Crop(Image src, int x0, int y0, int w, int h)
    {
        var dst = new Image(h, w, src.Channels);
        int c = src.Channels;
        for (int y = 0; y < h; y++)
            Array.Copy(src.Data, ((y0 + y) * src.Width + x0) * c, dst.Data, y * w * c, w * c);
        return dst;
    }

    /// <summary>Pads by the given amounts; <paramref name="mode"/> 'constant' (with <paramref name="value"/>), 'edge' or 'reflect'.</summary>
    public static Image Pad(Image src, int left, int top, int right, int bottom, float value, string mode)
    {
        int w = src.Width + left + right, h = src.Height + top + bottom, c = src.Channels;
        var dst = new Image(h, w, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sy = y - top, sx = x - left;
                bool inside = sy >= 0 && sy < src.Height && sx >= 0 && sx < src.Width;
                if (!inside)
                {
                    if (mode == "constant") { for (int k = 0; k < c; k++) dst[y, x, k] = value; continue; }
                    sy = mode == "edge" ? Math.Clamp(sy, 0, src.Height - 1) : Reflect(sy, src.Height);
                    sx = mode == "edge" ? Math.Clamp(sx, 0, src.Width - 1) : Reflect(sx, src.Width);
                }
                for (int k = 0; k < c; k++) dst[y, x, k] = src[sy, sx, k];
            }
        return dst;
    }

    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    }

    public static void CheckPadMode(string mode)
    {
        if (mode is not ("constant" or "edge" or "reflect"))
            throw new KilnException($"padding_mode = '{mode}' is not valid; valid: 'constant', 'edge', 'reflect'.");
    }

    public static double Uniform(double lo, double hi) => lo + KilnRandom.Current.NextDouble() * (hi - lo);
}

/// <summary>
/// MMCV's <c>LoadImageFromFile</c>: reads <c>results['img_path']</c> (PNG, JPEG, … via SkiaSharp) into
/// <c>results['img']</c> (H×W×C, BGR) and sets <c>img_shape</c> and <c>ori_shape</c>. With <c>ignore_empty</c> a
/// missing file drops the sample (the dataset refetches another); otherwise it is an error naming the file.
/// </summary>
[Register(Registries.Transforms)]
public sealed class LoadImageFromFile(bool toFloat32 = false, string colorType = "color", string imdecodeBackend = "cv2", bool ignoreEmpty = false) : ITransform
{
    public bool ToFloat32 { get; } = toFloat32;   // images are float32 already (see Image)

    public string ColorType { get; } = colorType is "color" or "grayscale" or "unchanged" ? colorType
        : throw new KilnException($"LoadImageFromFile.color_type = '{colorType}' is not valid; valid: 'color', 'grayscale', 'unchanged'.");

    public string ImdecodeBackend { get; } = imdecodeBackend;

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var path = results.TryGetValue("img_path", out var p) && p is string s ? s
            : throw new KilnException("LoadImageFromFile: results['img_path'] is missing; the dataset's data info must give the image path.");
        if (!File.Exists(path))
        {
            if (ignoreEmpty) return null;
            throw new KilnException($"LoadImageFromFile: {path} does not exist.");
        }
        var img = Image.Decode(File.ReadAllBytes(path), ColorType, path);
        results["img"] = img;
        Results.SetShape(results, img);
        results["ori_shape"] = new long[] { img.Height, img.Width };
        return results;
    }

    public override string ToString() => $"LoadImageFromFile(ignore_empty={ignoreEmpty}, to_float32={ToFloat32}, color_type='{ColorType}', imdecode_backend='{ImdecodeBackend}')";
}

/// <summary>
/// MMCV's <c>Resize</c>: to <c>scale</c> (w, h), or by <c>scale_factor</c>; with <c>keep_ratio</c> the image is
/// rescaled to fit inside <c>scale</c> (MMCV's <c>rescale</c>: long edge ≤ max, short edge ≤ min). Sets
/// <c>img_shape</c>, <c>scale</c> and <c>scale_factor</c> (w, h).
/// </summary>
[Register(Registries.Transforms)]
public sealed class Resize : ITransform
{
    public Resize(IReadOnlyList<int>? scale = null, IReadOnlyList<double>? scaleFactor = null, bool keepRatio = false, string interpolation = "bilinear")
    {
        if ((scale is null) == (scaleFactor is null)) throw new KilnException("Resize: give exactly one of scale or scale_factor.");
        if (interpolation is not ("bilinear" or "nearest")) throw new KilnException($"Resize.interpolation = '{interpolation}' is not built; valid: 'bilinear', 'nearest'.");
        Scale = scale is null ? null : Results.WH(scale, "Resize.scale");
        ScaleFactor = scaleFactor is null ? null : scaleFactor.Count == 1 ? (scaleFactor[0], scaleFactor[0]) : (scaleFactor[0], scaleFactor[1]);
        KeepRatio = keepRatio;
        Interpolation = interpolation;
    }

    public (int W, int H)? Scale { get; }

    public (double W, double H)? ScaleFactor { get; }

    public bool KeepRatio { get; }

    public string Interpolation { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results) => Apply(results, Scale, ScaleFactor, KeepRatio, Interpolation);

    internal static Dictionary<string, object?> Apply(Dictionary<string, object?> results, (int W, int H)? scale, (double W, double H)? factor, bool keepRatio, string interpolation)
    {
        var img = Results.Img(results, "Resize");
        int w, h;
        if (scale is { } s)
        {
            if (keepRatio)
            {
                double r = Math.Min((double)Math.Max(s.W, s.H) / Math.Max(img.Width, img.Height), (double)Math.Min(s.W, s.H) / Math.Min(img.Width, img.Height));
                w = (int)(img.Width * r + 0.5); h = (int)(img.Height * r + 0.5);
            }
            else (w, h) = s;
        }
        else
        {
            var f = factor!.Value;
            if (keepRatio) f = (f.W, f.W);
            w = (int)(img.Width * f.W + 0.5); h = (int)(img.Height * f.H + 0.5);
        }
        var resized = Results.Resize(img, w, h, interpolation);
        results["img"] = resized;
        Results.SetShape(results, resized);
        results["scale"] = new long[] { w, h };
        results["scale_factor"] = new[] { (double)w / img.Width, (double)h / img.Height };
        results["keep_ratio"] = keepRatio;
        return results;
    }
}

/// <summary>
/// MMCV's <c>RandomResize</c>: with <c>ratio_range</c>, <c>scale</c> times a ratio drawn uniformly from it; with
/// <c>scale</c> a list of two (w, h) sizes, long and short edges drawn uniformly between them. Then <c>Resize</c>.
/// </summary>
[Register(Registries.Transforms)]
public sealed class RandomResize : ITransform
{
    private readonly IReadOnlyList<IReadOnlyList<int>> _scales;

    public RandomResize(IReadOnlyList<object> scale, IReadOnlyList<double>? ratioRange = null, bool keepRatio = false, string interpolation = "bilinear")
    {
        _scales = scale.All(x => x is long or int) ? [scale.Select(Convert.ToInt32).ToList()]
            : scale.Select(x => x is System.Collections.IList l ? (IReadOnlyList<int>)l.Cast<object>().Select(Convert.ToInt32).ToList()
                : throw new KilnException($"RandomResize.scale must be a (w, h) pair or a list of two; got {x}.")).ToList();
        if (ratioRange is { Count: not 2 }) throw new KilnException("RandomResize.ratio_range must be (min, max).");
        if (ratioRange is null && _scales.Count != 2) throw new KilnException("RandomResize: without ratio_range, scale must be a list of two (w, h) sizes to draw between.");
        RatioRange = ratioRange;
        KeepRatio = keepRatio;
        Interpolation = interpolation;
    }

    public IReadOnlyList<double>? RatioRange { get; }

    public bool KeepRatio { get; }

    public string Interpolation { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        (int W, int H) target;
        if (RatioRange is { } range)
        {
            var (w, h) = Results.WH(_scales[0], "RandomResize.scale");
            double ratio = Results.Uniform(range[0], range[1]);
            target = ((int)(w * ratio), (int)(h * ratio));
        }
        else
        {
            var a = Results.WH(_scales[0], "RandomResize.scale");
            var b = Results.WH(_scales[1], "RandomResize.scale");
            int longLo = Math.Min(Math.Max(a.W, a.H), Math.Max(b.W, b.H)), longHi = Math.Max(Math.Max(a.W, a.H), Math.Max(b.W, b.H));
            int shortLo = Math.Min(Math.Min(a.W, a.H), Math.Min(b.W, b.H)), shortHi = Math.Max(Math.Min(a.W, a.H), Math.Min(b.W, b.H));
            int longEdge = KilnRandom.Current.Next(longLo, longHi + 1), shortEdge = KilnRandom.Current.Next(shortLo, shortHi + 1);
            target = (longEdge, shortEdge);
        }
        return Resize.Apply(results, target, null, KeepRatio, Interpolation);
    }
}

/// <summary>MMCV's <c>CenterCrop</c>: a <c>crop_size</c> (w, h) window from the centre (clipped to the image).</summary>
[Register(Registries.Transforms)]
public sealed class CenterCrop(IReadOnlyList<int> cropSize) : ITransform
{
    public (int W, int H) CropSize { get; } = Results.WH(cropSize, "CenterCrop.crop_size");

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "CenterCrop");
        int w = Math.Min(CropSize.W, img.Width), h = Math.Min(CropSize.H, img.Height);
        int x0 = Math.Max(0, (img.Width - w) / 2), y0 = Math.Max(0, (img.Height - h) / 2);
        var cropped = Results.Crop(img, x0, y0, w, h);
        results["img"] = cropped;
        Results.SetShape(results, cropped);
        return results;
    }
}

/// <summary>
/// mmpretrain's <c>RandomCrop</c>: optional <c>padding</c> (int, (lr, tb) or (l, t, r, b)), <c>pad_if_needed</c>, then a
/// random <c>crop_size</c> window (an int, or (h, w) as mmpretrain), with <c>pad_val</c> and <c>padding_mode</c>.
/// </summary>
[Register(Registries.Transforms)]
public sealed class RandomCrop : ITransform
{
    public RandomCrop(IReadOnlyList<int> cropSize, IReadOnlyList<int>? padding = null, bool padIfNeeded = false, double padVal = 0, string paddingMode = "constant")
    {
        (CropH, CropW) = cropSize.Count switch
        {
            1 => (cropSize[0], cropSize[0]),
            2 => (cropSize[0], cropSize[1]),
            _ => throw new KilnException("RandomCrop.crop_size must be an int or (h, w)."),
        };
        if (CropH <= 0 || CropW <= 0) throw new KilnException($"RandomCrop.crop_size must be positive, got ({CropH}, {CropW}).");
        Padding = padding switch
        {
            null => (0, 0, 0, 0),
            { Count: 1 } p => (p[0], p[0], p[0], p[0]),
            { Count: 2 } p => (p[0], p[1], p[0], p[1]),
            { Count: 4 } p => (p[0], p[1], p[2], p[3]),
            _ => throw new KilnException("RandomCrop.padding must be an int, (lr, tb) or (left, top, right, bottom)."),
        };
        Results.CheckPadMode(paddingMode);
        PadIfNeeded = padIfNeeded;
        PadVal = (float)padVal;
        PaddingMode = paddingMode;
    }

    public int CropH { get; }

    public int CropW { get; }

    public (int L, int T, int R, int B) Padding { get; }

    public bool PadIfNeeded { get; }

    public float PadVal { get; }

    public string PaddingMode { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "RandomCrop");
        if (Padding != (0, 0, 0, 0)) img = Results.Pad(img, Padding.L, Padding.T, Padding.R, Padding.B, PadVal, PaddingMode);
        if (PadIfNeeded && (img.Height < CropH || img.Width < CropW))
        {
            int ph = Math.Max(0, CropH - img.Height), pw = Math.Max(0, CropW - img.Width);
            img = Results.Pad(img, pw, ph, pw, ph, PadVal, PaddingMode);
        }
        if (img.Height < CropH || img.Width < CropW)
            throw new KilnException($"RandomCrop: the image is {img.Height}x{img.Width}, smaller than crop_size ({CropH}, {CropW}); set pad_if_needed=True or padding.");
        int y0 = KilnRandom.Current.Next(img.Height - CropH + 1), x0 = KilnRandom.Current.Next(img.Width - CropW + 1);
        var cropped = Results.Crop(img, x0, y0, CropW, CropH);
        results["img"] = cropped;
        Results.SetShape(results, cropped);
        return results;
    }
}

/// <summary>
/// MMCV's <c>RandomFlip</c>: flips with probability <c>prob</c> in <c>direction</c> ('horizontal', 'vertical',
/// 'diagonal'); sets <c>flip</c> and <c>flip_direction</c>.
/// </summary>
[Register(Registries.Transforms)]
public sealed class RandomFlip : ITransform
{
    public RandomFlip(double prob = 0.5, string direction = "horizontal")
    {
        if (prob is < 0 or > 1) throw new KilnException($"RandomFlip.prob = {prob} must be in [0, 1].");
        if (direction is not ("horizontal" or "vertical" or "diagonal"))
            throw new KilnException($"RandomFlip.direction = '{direction}' is not valid; valid: 'horizontal', 'vertical', 'diagonal'.");
        Prob = prob;
        Direction = direction;
    }

    public double Prob { get; }

    public string Direction { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "RandomFlip");
        bool flip = KilnRandom.Current.NextDouble() < Prob;
        results["flip"] = flip;
        results["flip_direction"] = flip ? Direction : null;
        if (!flip) return results;
        var dst = new Image(img.Height, img.Width, img.Channels);
        bool h = Direction is "horizontal" or "diagonal", v = Direction is "vertical" or "diagonal";
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
                for (int k = 0; k < img.Channels; k++)
                    dst[y, x, k] = img[v ? img.Height - 1 - y : y, h ? img.Width - 1 - x : x, k];
        results["img"] = dst;
        return results;
    }
}

/// <summary>
/// MMCV's <c>Pad</c>: to <c>size</c> (w, h) or up to a multiple of <c>size_divisor</c>, on the bottom and right
/// (<c>pad_to_square</c> pads to the longer side); <c>pad_val</c>, <c>padding_mode</c>. Sets <c>pad_shape</c>.
/// </summary>
[Register(Registries.Transforms)]
public sealed class Pad : ITransform
{
    public Pad(IReadOnlyList<int>? size = null, int? sizeDivisor = null, bool padToSquare = false, double padVal = 0, string paddingMode = "constant")
    {
        int given = (size is null ? 0 : 1) + (sizeDivisor is null ? 0 : 1) + (padToSquare ? 1 : 0);
        if (given == 0) throw new KilnException("Pad: give size, size_divisor or pad_to_square=True.");
        if (size is not null && sizeDivisor is not null) throw new KilnException("Pad: only one of size and size_divisor should be valid.");
        Results.CheckPadMode(paddingMode);
        Size = size is null ? null : Results.WH(size, "Pad.size");
        SizeDivisor = sizeDivisor;
        PadToSquare = padToSquare;
        PadVal = (float)padVal;
        PaddingMode = paddingMode;
    }

    public (int W, int H)? Size { get; }

    public int? SizeDivisor { get; }

    public bool PadToSquare { get; }

    public float PadVal { get; }

    public string PaddingMode { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "Pad");
        int w = img.Width, h = img.Height;
        if (PadToSquare) w = h = Math.Max(w, h);
        if (Size is { } s) (w, h) = (Math.Max(w, s.W), Math.Max(h, s.H));
        if (SizeDivisor is { } d) { w = (w + d - 1) / d * d; h = (h + d - 1) / d * d; }
        var padded = Results.Pad(img, 0, 0, w - img.Width, h - img.Height, PadVal, PaddingMode);
        results["img"] = padded;
        Results.SetShape(results, padded);
        results["pad_shape"] = new long[] { padded.Height, padded.Width };
        return results;
    }
}

/// <summary>
/// MMCV's <c>Normalize</c>: (img − mean) / std per channel, after swapping BGR to RGB when <c>to_rgb</c> (the default);
/// sets <c>img_norm_cfg</c>.
/// </summary>
[Register(Registries.Transforms)]
public sealed class Normalize : ITransform
{
    public Normalize(IReadOnlyList<double> mean, IReadOnlyList<double> std, bool toRgb = true)
    {
        if (mean.Count != std.Count) throw new KilnException($"Normalize: mean has {mean.Count} values but std has {std.Count}.");
        if (std.Any(s => s == 0)) throw new KilnException("Normalize: std must not contain 0.");
        Mean = mean.Select(m => (float)m).ToArray();
        Std = std.Select(s => (float)s).ToArray();
        ToRgb = toRgb;
    }

    public float[] Mean { get; }

    public float[] Std { get; }

    public bool ToRgb { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "Normalize");
        int c = img.Channels;
        if (c != Mean.Length) throw new KilnException($"Normalize: the image has {c} channels but mean/std have {Mean.Length}.");
        var dst = new Image(img.Height, img.Width, c);
        var src = img.Data;
        var outp = dst.Data;
        bool swap = ToRgb && c >= 3;
        for (int p = 0, n = img.Height * img.Width; p < n; p++)
            for (int k = 0; k < c; k++)
            {
                int from = swap && k < 3 ? 2 - k : k;
                outp[p * c + k] = (src[p * c + from] - Mean[k]) / Std[k];
            }
        results["img"] = dst;
        results["img_norm_cfg"] = new Dictionary<string, object?> { ["mean"] = Mean.Select(x => (object?)(double)x).ToList(), ["std"] = Std.Select(x => (object?)(double)x).ToList(), ["to_rgb"] = ToRgb };
        return results;
    }
}

/// <summary>
/// mmpretrain's <c>ColorJitter</c> for brightness, contrast and saturation: each factor drawn uniformly from
/// [max(0, 1 − v), 1 + v], applied in a random order (torchvision's rules: brightness scales, contrast blends with
/// the mean grey level, saturation blends with the grey image), clipped to 0–255. <c>hue</c> is not built and must be 0.
/// </summary>
[Register(Registries.Transforms)]
public sealed class ColorJitter : ITransform
{
    public ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0)
    {
        if (hue != 0) throw new KilnException("ColorJitter.hue is not built in Kiln; set hue=0 (brightness, contrast and saturation are).");
        if (brightness < 0 || contrast < 0 || saturation < 0) throw new KilnException("ColorJitter: brightness, contrast and saturation must be 0 or more.");
        Brightness = brightness;
        Contrast = contrast;
        Saturation = saturation;
    }

    public double Brightness { get; }

    public double Contrast { get; }

    public double Saturation { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var img = Results.Img(results, "ColorJitter");
        var dst = new Image(img.Height, img.Width, img.Channels, (float[])img.Data.Clone());
        var order = new[] { 0, 1, 2 };
        KilnRandom.Current.Shuffle(order);
        foreach (int op in order)
        {
            double v = op switch { 0 => Brightness, 1 => Contrast, _ => Saturation };
            if (v == 0) continue;
            float f = (float)Results.Uniform(Math.Max(0, 1 - v), 1 + v);
            switch (op)
            {
                case 0: Blend(dst, f, (_, _) => 0f); break;
                case 1:
                {
                    float mean = MeanGrey(dst);
                    Blend(dst, f, (_, _) => mean);
                    break;
                }
                default:
                    if (dst.Channels >= 3) Blend(dst, f, (d, p) => Grey(d, p));
                    break;
            }
        }
        results["img"] = dst;
        return results;
    }

    private static float Grey(float[] d, int p) => 0.114f * d[p] + 0.587f * d[p + 1] + 0.299f * d[p + 2];   // BGR

    private static float MeanGrey(Image img)
    {
        double sum = 0;
        int n = img.Height * img.Width;
        for (int p = 0; p < n; p++) sum += img.Channels >= 3 ? Grey(img.Data, p * img.Channels) : img.Data[p * img.Channels];
        return (float)(sum / n);
    }

    /// <summary>x ← clip(f·x + (1 − f)·other, 0, 255) for the colour channels.</summary>
    private static void Blend(Image img, float f, Func<float[], int, float> other)
    {
        var d = img.Data;
        int c = img.Channels, colours = Math.Min(c, 3);
        for (int p = 0, n = img.Height * img.Width; p < n; p++)
        {
            float o = other(d, p * c);
            for (int k = 0; k < colours; k++) d[p * c + k] = Math.Clamp(f * d[p * c + k] + (1 - f) * o, 0f, 255f);
        }
    }
}

/// <summary>MMCV's <c>ToTensor</c>: converts <c>results[key]</c> for each key to a tensor (an image keeps its H×W×C layout).</summary>
[Register(Registries.Transforms)]
public sealed class ToTensor(IReadOnlyList<string> keys) : ITransform
{
    public IReadOnlyList<string> Keys { get; } = keys;

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        foreach (var key in Keys)
        {
            if (!results.TryGetValue(key, out var v)) throw new KilnException($"ToTensor: results has no '{key}' (keys: {string.Join(", ", results.Keys)}).");
            results[key] = Convert(v, key, chw: false);
        }
        return results;
    }

    internal static Tensor Convert(object? v, string key, bool chw) => v switch
    {
        Tensor t => t,
        Image img when chw => tensor(img.Data, [img.Height, img.Width, img.Channels]).permute(2, 0, 1).contiguous(),
        Image img => tensor(img.Data, [img.Height, img.Width, img.Channels]),
        float[] a => tensor(a),
        double[] a => tensor(a),
        int[] a => tensor(a),
        long[] a => tensor(a),
        byte[] a => tensor(a),
        long l => tensor(new[] { l }),
        int i => tensor(new long[] { i }),
        double d => tensor(new[] { (float)d }),
        float f => tensor(new[] { f }),
        _ => throw new KilnException($"ToTensor: results['{key}'] is a {v?.GetType().Name ?? "None"}, which cannot be converted to a tensor."),
    };
}

/// <summary>MMCV's <c>ImageToTensor</c>: an image under each key to a C×H×W tensor.</summary>
[Register(Registries.Transforms)]
public sealed class ImageToTensor(IReadOnlyList<string> keys) : ITransform
{
    public IReadOnlyList<string> Keys { get; } = keys;

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        foreach (var key in Keys) results[key] = ToTensor.Convert(Results.Img(results, "ImageToTensor", key), key, chw: true);
        return results;
    }
}

/// <summary>
/// mmpretrain's <c>PackInputs</c> (PackClsInputs): <c>inputs</c> = <c>results[input_key]</c> as a C×H×W float tensor,
/// <c>data_samples</c> = a DataSample with <c>gt_label</c> (when present) and the <c>meta_keys</c> present as meta
/// information. What every Kiln pipeline ends with.
/// </summary>
[Register(Registries.Transforms)]
public sealed class PackInputs(string inputKey = "img", IReadOnlyList<string>? algorithmKeys = null, IReadOnlyList<string>? metaKeys = null) : ITransform
{
    public static readonly IReadOnlyList<string> DefaultMetaKeys = ["sample_idx", "img_path", "ori_shape", "img_shape", "scale_factor", "flip", "flip_direction"];

    public string InputKey { get; } = inputKey;

    public IReadOnlyList<string> AlgorithmKeys { get; } = algorithmKeys ?? [];

    public IReadOnlyList<string> MetaKeys { get; } = metaKeys ?? DefaultMetaKeys;

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var packed = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (results.TryGetValue(InputKey, out var input) && input is not null)
            packed["inputs"] = ToTensor.Convert(input, InputKey, chw: true);
        var sample = new DataSample();
        if (results.TryGetValue("gt_label", out var label) && label is not null)
            sample.GtLabel = label switch
            {
                long l => l,
                int i => i,
                _ => throw new KilnException($"PackInputs: gt_label is a {label.GetType().Name}; a class index (int) is expected."),
            };
        foreach (var key in AlgorithmKeys)
            if (results.TryGetValue(key, out var v)) sample.Set(key, v);
        foreach (var key in MetaKeys)
            if (results.TryGetValue(key, out var v)) sample.SetMetaInfo(key, v);
        packed["data_samples"] = sample;
        return packed;
    }
}
