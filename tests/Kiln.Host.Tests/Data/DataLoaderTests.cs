using Kiln.Data;
using Kiln.Datasets;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Tests.Data;

/// <summary>DefaultSampler (DATA-04, SEED-01) and the DataLoader's batching (DATA-06).</summary>
public class DataLoaderTests
{
    private sealed class Numbers(int count) : IDataset
    {
        public int Count => count;
        public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();
        public Sample Get(int index) => new(index, new DataSample { GtLabel = index });
    }

    [Fact]
    public void DefaultSampler_NoShuffle_YieldsRange()
    {
        Assert.Equal(Enumerable.Range(0, 100), new DefaultSampler(new Numbers(100), shuffle: false));
    }

    [Fact]
    public void DefaultSampler_Shuffle_IsTorchRandpermSeededWithSeedPlusEpoch()
    {
        var sampler = new DefaultSampler(new Numbers(50), shuffle: true, seed: 7);
        sampler.SetEpoch(3);
        using var generator = new torch.Generator(10);
        using var expected = torch.randperm(50, generator: generator);
        Assert.Equal(expected.data<long>().ToArray().Select(i => (int)i), sampler);
        Assert.Equal(sampler.ToList(), sampler.ToList());   // the same epoch gives the same order
        var epoch3 = sampler.ToList();
        sampler.SetEpoch(4);
        Assert.NotEqual(epoch3, sampler.ToList());
    }

    [Theory]
    [InlineData(false, 4, new[] { 3, 3, 3, 1 })]
    [InlineData(true, 3, new[] { 3, 3, 3 })]
    public void DataLoader_Batches_CountAndSizes(bool dropLast, int count, int[] sizes)
    {
        var loader = new DataLoader(new Numbers(10), new DefaultSampler(new Numbers(10), shuffle: false), batchSize: 3, dropLast: dropLast);
        Assert.Equal(count, loader.Count);
        var batches = loader.ToList();
        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, sizes.Sum()), batches.SelectMany(b => b.Inputs.Cast<int>()));
        Assert.Equal(Enumerable.Range(0, sizes.Sum()).Select(i => (long?)i), batches.SelectMany(b => b.DataSamples.Select(s => s!.GtLabel)));
    }

    [Fact]
    public void DataLoader_DatasetThrows_ErrorNamesSampleIndex()
    {
        var loader = new DataLoader(new Failing(), new DefaultSampler(new Failing(), shuffle: false), batchSize: 2);
        var e = Assert.Throws<KilnException>(() => loader.ToList());
        Assert.Contains("sample 1", e.Message);
        Assert.Contains("bad pixel", e.Message);
    }

    private sealed class Failing : IDataset
    {
        public int Count => 3;
        public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();
        public Sample Get(int index) => index == 1 ? throw new InvalidDataException("bad pixel") : new Sample(index, null);
    }
}
