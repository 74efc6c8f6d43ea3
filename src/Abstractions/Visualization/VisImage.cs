using SkiaSharp;
using TorchSharp;

namespace Kiln.Visualization;

/// <summary>
/// An RGB image as MMEngine's visualizer passes them around (<c>np.ndarray</c> of shape H×W×3, uint8): row-major
/// pixels, three bytes each. <see cref="Visualizer.GetImage"/> returns one; backends save them as PNG.
/// </summary>
public sealed class VisImage
{
    /// <summary>The pixels, <c>(y * Width + x) * 3 + channel</c>, channels R, G, B.</summary>
    public byte[] Pixels { get; }

    public int Height { get; }

    public int Width { get; }

    public VisImage(int height, int width, byte[]? pixels = null)
    {
        if (height <= 0 || width <= 0) throw new KilnException($"an image needs a positive size, got height={height}, width={width}.");
        Height = height;
        Width = width;
        Pixels = pixels ?? new byte[height * width * 3];
        if (Pixels.Length != height * width * 3)
            throw new KilnException($"an image of {height}×{width}×3 needs {height * width * 3} bytes, got {Pixels.Length}.");
    }

    /// <summary>An image filled with one colour.</summary>
    public static VisImage Filled(int height, int width, (byte R, byte G, byte B) color)
    {
        var image = new VisImage(height, width);
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            image.Pixels[i] = color.R;
            image.Pixels[i + 1] = color.G;
            image.Pixels[i + 2] = color.B;
        }
        return image;
    }

    /// <summary>The pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
        set
        {
            int i = (y * Width + x) * 3;
            Pixels[i] = value.R;
            Pixels[i + 1] = value.G;
            Pixels[i + 2] = value.B;
        }
    }

    public VisImage Clone() => new(Height, Width, (byte[])Pixels.Clone());

    /// <summary>
    /// From a tensor of shape H×W×3 (RGB) or H×W (grey), as MMEngine's <c>set_image</c> takes an ndarray. Values are
    /// cast to uint8 as numpy's <c>astype('uint8')</c> does; float images in [0, 1] should be scaled first.
    /// </summary>
    public static VisImage FromTensor(torch.Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = torch.NewDisposeScope();
        var t = image.detach().cpu();
        if (t.dim() == 2) t = t.unsqueeze(-1).expand(-1, -1, 3);
        if (t.dim() != 3 || t.shape[2] != 3)
            throw new KilnException($"an image tensor must be H×W×3 (RGB) or H×W, got shape [{string.Join(", ", t.shape)}].");
        var bytes = t.to(torch.ScalarType.Byte).contiguous().data<byte>().ToArray();
        return new VisImage((int)t.shape[0], (int)t.shape[1], bytes);
    }

    /// <summary>The image as a uint8 tensor of shape H×W×3.</summary>
    public torch.Tensor ToTensor() => torch.tensor(Pixels, [Height, Width, 3], torch.ScalarType.Byte);

    /// <summary>The image encoded as PNG.</summary>
    public byte[] EncodePng()
    {
        using var bitmap = ToBitmap();
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public void SavePng(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, EncodePng());
    }

    /// <summary>Decodes a PNG or JPEG file.</summary>
    public static VisImage Load(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new KilnException($"{path}: not an image SkiaSharp can decode (PNG, JPEG, BMP, GIF, WebP).");
        return FromBitmap(bitmap);
    }

    internal SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[Width * Height * 4];
        for (int p = 0, q = 0; p < Pixels.Length; p += 3, q += 4)
        {
            rgba[q] = Pixels[p];
            rgba[q + 1] = Pixels[p + 1];
            rgba[q + 2] = Pixels[p + 2];
            rgba[q + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    internal static VisImage FromBitmap(SKBitmap source)
    {
        using var bitmap = source.ColorType == SKColorType.Rgba8888 ? null : source.Copy(SKColorType.Rgba8888);
        var b = bitmap ?? source;
        var rgba = new byte[b.Width * b.Height * 4];
        System.Runtime.InteropServices.Marshal.Copy(b.GetPixels(), rgba, 0, rgba.Length);
        var image = new VisImage(b.Height, b.Width);
        for (int p = 0, q = 0; p < image.Pixels.Length; p += 3, q += 4)
        {
            image.Pixels[p] = rgba[q];
            image.Pixels[p + 1] = rgba[q + 1];
            image.Pixels[p + 2] = rgba[q + 2];
        }
        return image;
    }
}
