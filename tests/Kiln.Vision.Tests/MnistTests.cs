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

    private static bool Same(torch.Tensor a, torch.Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && (a == b).all().item<bool>();

    /// <summary>The same dataset without the whole-batch path: the DataLoader reads it sample by sample.</summary>
    private sealed class OneByOne(Kiln.Datasets.IDataset inner) : Kiln.Datasets.IDataset
    {
        public int Count => inner.Count;
        public IReadOnlyDictionary<string, object?> MetaInfo => inner.MetaInfo;
        public Kiln.Structures.Sample Get(int index) => inner.Get(index);
    }

    [Theory] // DATA-08: a batch read whole equals the batch collated sample by sample
    [InlineData("pseudo", 0)]
    [InlineData("default", 0)]
    [InlineData("pseudo", 2)]
    [InlineData("default", 2)]
    public void DataLoader_WholeBatchRead_GivesTheSameBatchesAsSampleBySample(string collate, int workers)
    {
        var mnist = new Mnist(RepoPaths.Mnist, testMode: true);
        Func<IReadOnlyList<Kiln.Structures.Sample>, Kiln.Structures.DataBatch> fn =
            collate == "pseudo" ? Kiln.Data.Collate.PseudoCollate : Kiln.Data.Collate.DefaultCollate;
        Kiln.Data.DataLoader Loader(Kiln.Datasets.IDataset d) =>
            new(d, new Kiln.Data.DefaultSampler(d, shuffle: true, seed: 3), batchSize: 33, numWorkers: workers, collate: fn, seed: 3);
        using var whole = Loader(mnist);
        using var single = Loader(new OneByOne(mnist));
        int batches = 0;
        foreach (var (a, b) in whole.Zip(single))
        {
            using var scope = torch.NewDisposeScope();
            Assert.True(a.InputsAreRowsOfStacked);
            Assert.False(b.InputsAreRowsOfStacked);
            Assert.Equal(b.Count, a.Count);
            var expected = torch.stack(b.Inputs.Cast<torch.Tensor>());
            Assert.True(Same((torch.Tensor)a.StackedInputs!, expected));
            if (b.StackedInputs is torch.Tensor stacked) Assert.True(Same(stacked, expected));
            for (int i = 0; i < a.Count; i++)
            {
                Assert.True(Same((torch.Tensor)a.Inputs[i], (torch.Tensor)b.Inputs[i]));
                Assert.Equal(b.DataSamples[i]!.GtLabel, a.DataSamples[i]!.GtLabel);
                Assert.Equal(b.DataSamples[i]!.MetaInfo["sample_idx"], a.DataSamples[i]!.MetaInfo["sample_idx"]);
            }
            batches++;
        }
        Assert.Equal(whole.Count, batches);
    }

    [Fact] // issue 12: a whole-batch read makes a data sample only when one is read; the labels come without them
    public void GetBatch_OnlyLabelsRead_MakesNoDataSample()
    {
        var mnist = new Mnist(RepoPaths.Mnist, testMode: true);
        int[] indices = [5, 0, 99, 5];
        var (images, samples) = mnist.GetBatch(indices);
        using var _ = images;
        var lazy = Assert.IsType<Kiln.Structures.LazyDataSamples>(samples);
        var expected = indices.Select(i => mnist.Get(i).DataSample!.GtLabel!.Value).ToArray();

        Assert.Equal(expected, Kiln.Structures.DataSample.GtLabelsOf(samples, "test"));
        using (var labels = Kiln.Structures.DataSample.GtLabelTensor(samples, "test"))
        {
            Assert.Equal(torch.int64, labels.dtype);
            Assert.Equal(expected, labels.data<long>().ToArray());
        }
        Assert.Equal(0, lazy.MadeCount);

        var third = samples[2];
        Assert.Same(third, samples[2]);
        Assert.Equal(99, third.MetaInfo["sample_idx"]);
        Assert.Equal(new[] { 28, 28 }, (int[])third.MetaInfo["img_shape"]!);
        Assert.Equal(1, lazy.MadeCount);
        third.GtLabel = 7;   // a hook may relabel a sample: the labels read afterwards follow it
        Assert.Equal(7, Kiln.Structures.DataSample.GtLabelsOf(samples, "test")[2]);
        Assert.Equal(4, samples.Count(s => s is not null));
        Assert.Equal(4, lazy.MadeCount);
    }

    [Fact]
    public void GtLabelsOf_SampleWithoutLabel_ErrorNamesTheOwnerAndTheSample()
    {
        var samples = new Kiln.Structures.DataSample?[] { new() { GtLabel = 1 }, new() };
        var e = Assert.Throws<KilnException>(() => Kiln.Structures.DataSample.GtLabelsOf(samples, "LeNet5"));
        Assert.Equal("LeNet5: training sample 1 of the batch has no gt_label.", e.Message);
    }
}
