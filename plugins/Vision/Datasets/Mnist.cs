using System.IO.Compression;
using Kiln.Datasets;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Vision.Datasets;

/// <summary>
/// MNIST from its IDX files (mmpretrain's <c>MNIST</c>): <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, or the <c>t10k-*</c> pair with <c>test_mode=True</c>, each optionally gzipped.
/// A sample is a 1×28×28 uint8 tensor of raw pixel values 0–255, as mmpretrain's MNIST gives (the data preprocessor
/// casts and normalises), and a data sample holding <c>gt_label</c>. The images are held in one tensor and a sample
/// is a view of it, so reading a sample allocates no pixel memory and copies nothing (as <c>torch.from_numpy</c> over
/// mmpretrain's array); a pipeline or model must not modify a sample in place. A relative <c>data_root</c> is resolved from the current directory, as in MMEngine.
/// </summary>
[Register(Registries.Datasets, "MNIST")]
public class Mnist : IBatchDataset
{
    private static readonly string[] Classes =
        ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];

    /// <summary>torchvision's mirror of the MNIST files and their published md5 checksums.</summary>
    private static readonly DatasetFiles MnistFiles = new("https://ossci-datasets.s3.amazonaws.com/mnist/",
        [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"), ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
         ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"), ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]);

    private readonly Tensor _images;
    private readonly byte[] _labels;
    private readonly int _rows;
    private readonly int _cols;

    /// <param name="dataRoot">The folder holding the IDX files.</param>
    /// <param name="testMode">Read the <c>t10k</c> files instead of <c>train</c>.</param>
    /// <param name="download">Fetch missing files (checksums verified, resumable, atomic) from <paramref name="urlPrefix"/>.</param>
    /// <param name="urlPrefix">Where to download from (Kiln addition; the default is torchvision's mirror).</param>
    public Mnist(string dataRoot, bool testMode = false, bool download = false, string? urlPrefix = null)
        : this(dataRoot, testMode, download, urlPrefix, MnistFiles, Classes, "MNIST")
    {
    }

    protected Mnist(string dataRoot, bool testMode, bool download, string? urlPrefix, DatasetFiles files, string[] classes, string name)
    {
        Name = name;
        MetaInfo = new Dictionary<string, object?> { ["classes"] = classes };
        if (download) files.Fetch(dataRoot, urlPrefix, testMode ? "t10k" : "train");
        string root = Path.GetFullPath(dataRoot);
        if (!Directory.Exists(root))
            throw new KilnException($"{Name} data_root '{dataRoot}' does not exist (resolved to {root}; relative paths start at the current directory {Environment.CurrentDirectory}).");
        string prefix = testMode ? "t10k" : "train";
        (var pixels, int count, _rows, _cols) = ReadImages(Find(root, $"{prefix}-images-idx3-ubyte"));
        _images = tensor(pixels, [count, 1, _rows, _cols]);
        _images.DetachFromDisposeScope();   // owned by the dataset, not by whatever scope built it
        _labels = ReadLabels(Find(root, $"{prefix}-labels-idx1-ubyte"), count);
        DataRoot = root;
        TestMode = testMode;
    }

    public string DataRoot { get; }

    public bool TestMode { get; }

    public int Count => _labels.Length;

    public IReadOnlyDictionary<string, object?> MetaInfo { get; }

    private string Name { get; }

    public Sample Get(int index)
    {
        if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), $"{Name} has {Count} samples; index {index} is out of range.");
        return new Sample(_images.select(0, index), Describe(index));
    }

    /// <summary>The samples at <paramref name="indices"/> in one gather (the DataLoader's path with pseudo/default_collate).</summary>
    public (Tensor Inputs, IReadOnlyList<DataSample> DataSamples) GetBatch(int[] indices)
    {
        var labels = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(indices), $"{Name} has {Count} samples; index {indices[i]} is out of range.");
            labels[i] = _labels[indices[i]];
        }
        return (GatherRows(indices), new LazyDataSamples(indices.Length, i => Describe(indices[i]), labels));
    }

    /// <summary>
    /// The images at <paramref name="indices"/> copied row by row into a new N×1×H×W tensor: what
    /// <c>index_select</c> does, without making an index tensor and dispatching an operator per batch.
    /// </summary>
    private Tensor GatherRows(int[] indices)
    {
        var batch = empty([indices.Length, 1, _rows, _cols], ScalarType.Byte);
        int size = _rows * _cols;
        var source = _images.bytes;
        var target = batch.bytes;
        for (int i = 0; i < indices.Length; i++)
            source.Slice(indices[i] * size, size).CopyTo(target.Slice(i * size, size));
        return batch;
    }

    private DataSample Describe(int index)
    {
        var sample = new DataSample { GtLabel = _labels[index] };
        sample.SetMetaInfo("img_shape", new[] { _rows, _cols });
        sample.SetMetaInfo("sample_idx", index);
        return sample;
    }

    private string Find(string root, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
            if (File.Exists(Path.Combine(root, candidate))) return Path.Combine(root, candidate);
        throw new KilnException($"{Name}: neither {name} nor {name}.gz is in {root} (download=True fetches them).");
    }

    private static Stream Open(string path)
    {
        var file = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>Reads exactly, turning a truncated or corrupt gzip into an error naming the file.</summary>
    private static void Fill(Stream stream, byte[] buffer, string path)
    {
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new KilnException($"{path} is truncated: expected {buffer.Length} more bytes."); }
        catch (InvalidDataException e) { throw new KilnException($"{path} is corrupt (not valid gzip data): {e.Message}", e); }
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
        Fill(stream, buffer, path);
        return buffer;
    }

    private static int BigEndian(byte[] b, int offset) => b[offset] << 24 | b[offset + 1] << 16 | b[offset + 2] << 8 | b[offset + 3];
}

/// <summary>MMPretrain's <c>FashionMNIST</c>: the same IDX layout as MNIST, Zalando's ten clothing classes.</summary>
[Register(Registries.Datasets, "FashionMNIST")]
public sealed class FashionMnist(string dataRoot, bool testMode = false, bool download = false, string? urlPrefix = null)
    : Mnist(dataRoot, testMode, download, urlPrefix, Files, FashionClasses, "FashionMNIST")
{
    private static readonly string[] FashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Zalando's download location and torchvision's md5 checksums.</summary>
    private static readonly DatasetFiles Files = new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"), ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
         ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"), ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]);
}

/// <summary>A dataset's downloadable files: a URL prefix and (file name, md5) pairs.</summary>
public sealed record DatasetFiles(string UrlPrefix, IReadOnlyList<(string Name, string Md5)> Entries)
{
    /// <summary>Downloads the entries whose names start with <paramref name="split"/> (all when null) into <paramref name="root"/>.</summary>
    public void Fetch(string root, string? urlPrefix, string? split)
    {
        string prefix = urlPrefix ?? UrlPrefix;
        if (!prefix.EndsWith('/')) prefix += "/";
        foreach (var (name, md5) in Entries)
            if (split is null || name.StartsWith(split, StringComparison.Ordinal))
                Download.File(prefix + name, Path.Combine(root, name), md5);
    }
}
