using System.IO.Compression;
using Kiln.TestKit;
using Kiln.Vision.Datasets;
using TorchSharp;

namespace Kiln.Vision.Tests;

public class MnistTests
{
    /// <summary>Writes a 3-image 2×2 IDX pair; pixels of image i are i*10 + position, labels are 7, 8, 9.</summary>
    private static void WriteIdx(string dir, string prefix, bool gzip, int labelCount = 3)
    {
        byte[] images = [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, .. Enumerable.Range(0, 12).Select(p => (byte)(p / 4 * 10 + p % 4))];
        byte[] labels = [0, 0, 8, 1, 0, 0, 0, (byte)labelCount, .. new byte[] { 7, 8, 9 }.Take(labelCount)];
        Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), images, gzip);
        Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), labels, gzip);
    }

    private static void Write(string path, byte[] data, bool gzip)
    {
        if (!gzip) { File.WriteAllBytes(path, data); return; }
        using var file = File.Create(path + ".gz");
        using var z = new GZipStream(file, CompressionLevel.Fastest);
        z.Write(data);
    }

    [Theory] // DATA-09 (a real dataset reader)
    [InlineData(false)]
    [InlineData(true)]
    public void Get_IdxFiles_ReturnsPixelsAndLabels(bool gzip)
    {
        using var tmp = new TempDir();
        WriteIdx(tmp.Path, "t10k", gzip);
        var mnist = new Mnist(tmp.Path, testMode: true);
        Assert.Equal(3, mnist.Count);
        using var scope = torch.NewDisposeScope();
        var sample = mnist.Get(2);
        var image = Assert.IsType<torch.Tensor>(sample.Inputs, exactMatch: false);
        Assert.Equal(new long[] { 1, 2, 2 }, image.shape);
        Assert.Equal(torch.uint8, image.dtype);   // raw pixels as mmpretrain's MNIST; the data preprocessor casts
        Assert.Equal(new byte[] { 20, 21, 22, 23 }, image.data<byte>().ToArray());
        Assert.Equal(9, sample.DataSample!.GtLabel);
    }

    [Fact]
    public void Ctor_BundledSample_Has8000TrainAnd2000Test()
    {
        Assert.Equal(8000, new Mnist(RepoPaths.Mnist).Count);
        Assert.Equal(2000, new Mnist(RepoPaths.Mnist, testMode: true).Count);
    }

    [Fact]
    public void Ctor_MissingRoot_NamesPathAndCurrentDirectory()
    {
        var e = Assert.Throws<KilnException>(() => new Mnist("no/such/dir"));
        Assert.Contains("no/such/dir", e.Message);
        Assert.Contains("current directory", e.Message);
    }

    [Fact]
    public void Ctor_LabelCountMismatch_IsClearError()
    {
        using var tmp = new TempDir();
        WriteIdx(tmp.Path, "train", gzip: false, labelCount: 2);
        var e = Assert.Throws<KilnException>(() => new Mnist(tmp.Path));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }
}
