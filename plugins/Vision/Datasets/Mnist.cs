using System.IO.Compression;
using Kiln.Datasets;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Vision.Datasets;

/// <summary>
/// MNIST from its IDX files (mmpretrain's <c>MNIST</c>): <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, or the <c>t10k-*</c> pair with <c>test_mode=True</c>, each optionally gzipped.
/// A sample is a 1×28×28 float tensor of raw pixel values 0–255 (the data preprocessor normalises) and a
/// data sample holding <c>gt_label</c>. A relative <c>data_root</c> is resolved from the current directory, as in MMEngine.
/// </summary>
[Register(Registries.Datasets, "MNIST")]
public sealed class Mnist : IDataset
{
    private static readonly string[] Classes =
        ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];

    private readonly byte[] _pixels;
    private readonly byte[] _labels;
    private readonly int _rows;
    private readonly int _cols;

    public Mnist(string dataRoot, bool testMode = false)
    {
        string root = Path.GetFullPath(dataRoot);
        if (!Directory.Exists(root))
            throw new KilnException($"MNIST data_root '{dataRoot}' does not exist (resolved to {root}; relative paths start at the current directory {Environment.CurrentDirectory}).");
        string prefix = testMode ? "t10k" : "train";
        (_pixels, int count, _rows, _cols) = ReadImages(Find(root, $"{prefix}-images-idx3-ubyte"));
        _labels = ReadLabels(Find(root, $"{prefix}-labels-idx1-ubyte"), count);
        DataRoot = root;
        TestMode = testMode;
    }

    public string DataRoot { get; }

    public bool TestMode { get; }

    public int Count => _labels.Length;

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?> { ["classes"] = Classes };

    public Sample Get(int index)
    {
        if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), $"MNIST has {Count} samples; index {index} is out of range.");
        int size = _rows * _cols;
        var image = tensor(_pixels.AsSpan(index * size, size).ToArray(), [1, _rows, _cols]).to(float32);
        var sample = new DataSample { GtLabel = _labels[index] };
        sample.SetMetaInfo("img_shape", new[] { _rows, _cols });
        sample.SetMetaInfo("sample_idx", index);
        return new Sample(image, sample);
    }

    private static string Find(string root, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
            if (File.Exists(Path.Combine(root, candidate))) return Path.Combine(root, candidate);
        throw new KilnException($"MNIST: neither {name} nor {name}.gz is in {root}.");
    }

    private static Stream Open(string path)
    {
        var file = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>IDX3: magic 0x00000803, count, rows, cols (big-endian), then the pixels.</summary>
    private static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        using var stream = Open(path);
        var header = ReadExactly(stream, 16, path);
        if (BigEndian(header, 0) != 0x803) throw new KilnException($"{path} is not an IDX image file (magic {BigEndian(header, 0):x8}, expected 00000803).");
        int count = BigEndian(header, 4), rows = BigEndian(header, 8), cols = BigEndian(header, 12);
        return (ReadExactly(stream, count * rows * cols, path), count, rows, cols);
    }

    /// <summary>IDX1: magic 0x00000801, count (big-endian), then the labels.</summary>
    private static byte[] ReadLabels(string path, int expected)
    {
        using var stream = Open(path);
        var header = ReadExactly(stream, 8, path);
        if (BigEndian(header, 0) != 0x801) throw new KilnException($"{path} is not an IDX label file (magic {BigEndian(header, 0):x8}, expected 00000801).");
        int count = BigEndian(header, 4);
        if (count != expected) throw new KilnException($"{path} holds {count} labels but the image file holds {expected} images.");
        return ReadExactly(stream, count, path);
    }

    private static byte[] ReadExactly(Stream stream, int length, string path)
    {
        var buffer = new byte[length];
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new KilnException($"{path} is truncated: expected {length} more bytes."); }
        return buffer;
    }

    private static int BigEndian(byte[] b, int offset) => b[offset] << 24 | b[offset + 1] << 16 | b[offset + 2] << 8 | b[offset + 3];
}
