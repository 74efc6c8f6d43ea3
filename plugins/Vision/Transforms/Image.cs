using SkiaSharp;

namespace Kiln.Vision.Transforms;

/// <summary>
/// An image in a pipeline's results dict (<c>results['img']</c>), as MMCV keeps a numpy array: height × width ×
/// channels, channel order BGR for colour images (MMCV's <c>imread</c> default), values 0–255 until
/// <c>Normalize</c>. Stored as float32 so every transform works on one layout; <c>PackInputs</c> turns it into a
/// C×H×W tensor.
/// </summary>
public sealed class Image
{
    public Image(int height, int width, int channels, float[]? data = null)
    {
        if (height <= 0 || width <= 0 || channels <= 0) throw new ArgumentException($"image size {height}x{width}x{channels} must be positive.");
        Height = height;
        Width = width;
        Channels = channels;
        Data = data ?? new float[height * width * channels];
        if (Data.Length != height * width * channels)
            throw new ArgumentException($"image data holds {Data.Length} values, not {height}x{width}x{channels}.");
    }

    public int Height { get; }

    public int Width { get; }

    public int Channels { get; }

    /// <summary>Pixels in H×W×C order.</summary>
    public float[] Data { get; }

    public float this[int y, int x, int c]
    {
        get => Data[(y * Width + x) * Channels + c];
        set => Data[(y * Width + x) * Channels + c] = value;
    }

    /// <summary>(height, width), MMCV's <c>img_shape</c>.</summary>
    public long[] Shape => [Height, Width];

    /// <summary>
    /// Decodes PNG/JPEG/BMP/GIF/WebP bytes with SkiaSharp. <paramref name="colorType"/> as MMCV: <c>color</c> (3
    /// channels, BGR), <c>grayscale</c> (1 channel, 0.299 R + 0.587 G + 0.114 B), <c>unchanged</c> (grey stays 1
    /// channel, alpha kept as a 4th channel, BGRA).
    /// </summary>
    public static Image Decode(ReadOnlySpan<byte> bytes, string colorType, string source)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new KilnException($"{source}: not a decodable image (PNG, JPEG, BMP, GIF or WebP expected) or the file is truncated.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new KilnException($"{source}: image decoding failed ({result}); the file is corrupt or truncated.");
        var rgba = bitmap.GetPixelSpan();
        int h = info.Height, w = info.Width;
        bool grey = codec.Info.ColorType is SKColorType.Gray8;
        int channels = colorType switch
        {
            "color" => 3,
            "grayscale" => 1,
            "unchanged" => grey ? 1 : codec.Info.AlphaType == SKAlphaType.Opaque ? 3 : 4,
            _ => throw new KilnException($"color_type = '{colorType}' is not valid; valid: 'color', 'grayscale', 'unchanged'."),
        };
        var img = new Image(h, w, channels);
        var dst = img.Data;
        for (int p = 0, n = h * w; p < n; p++)
        {
            float r = rgba[p * 4], g = rgba[p * 4 + 1], b = rgba[p * 4 + 2];
            switch (channels)
            {
                case 1: dst[p] = grey ? r : MathF.Round(0.299f * r + 0.587f * g + 0.114f * b); break;
                case 3: dst[p * 3] = b; dst[p * 3 + 1] = g; dst[p * 3 + 2] = r; break;
                default: dst[p * 4] = b; dst[p * 4 + 1] = g; dst[p * 4 + 2] = r; dst[p * 4 + 3] = rgba[p * 4 + 3]; break;
            }
        }
        return img;
    }

    /// <summary>Encodes as PNG (tests and benchmarks make fixtures with it); BGR(A) or grey, values clamped to 0–255.</summary>
    public byte[] EncodePng()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var span = bitmap.GetPixelSpan();
        var pixels = new byte[span.Length];
        for (int p = 0, n = Height * Width; p < n; p++)
        {
            byte At(int c) => (byte)Math.Clamp(MathF.Round(Data[p * Channels + c]), 0, 255);
            if (Channels == 1) { pixels[p * 4] = pixels[p * 4 + 1] = pixels[p * 4 + 2] = At(0); pixels[p * 4 + 3] = 255; }
            else { pixels[p * 4] = At(2); pixels[p * 4 + 1] = At(1); pixels[p * 4 + 2] = At(0); pixels[p * 4 + 3] = Channels == 4 ? At(3) : (byte)255; }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }
}
