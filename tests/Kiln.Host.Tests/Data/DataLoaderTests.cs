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

    private sealed class FakeGroup(int rank, int worldSize) : Kiln.Distributed.IProcessGroup
    {
        public int Rank => rank;
        public int WorldSize => worldSize;
        public int LocalRank => rank;
        public int LocalWorldSize => worldSize;
        public void Barrier() { }
        public void AllReduce(torch.Tensor tensor, string op = "sum") => throw new NotSupportedException();
        public void Broadcast(torch.Tensor tensor, int src = 0) => throw new NotSupportedException();
        public IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor) => throw new NotSupportedException();
        public IReadOnlyList<byte[]> AllGatherBytes(byte[] data) => throw new NotSupportedException();
    }

    // DATA-04 / DIST: MMEngine's DefaultSampler shards by rank. 10 samples over 3 ranks with round_up: num_samples 4,
    // total 12, the order padded from its start ([0..9, 0, 1]) and rank r takes indices[r::3].
    [Theory]
    [InlineData(0, true, new[] { 0, 3, 6, 9 })]
    [InlineData(1, true, new[] { 1, 4, 7, 0 })]
    [InlineData(2, true, new[] { 2, 5, 8, 1 })]
    [InlineData(0, false, new[] { 0, 3, 6, 9 })]
    [InlineData(1, false, new[] { 1, 4, 7 })]
    [InlineData(2, false, new[] { 2, 5, 8 })]
    public void DefaultSampler_ShardsByRank_AsMMEngine(int rank, bool roundUp, int[] expected)
    {
        using var _ = Kiln.Distributed.Dist.Use(new FakeGroup(rank, 3));
        var sampler = new DefaultSampler(new Numbers(10), shuffle: false, seed: 0, roundUp: roundUp);
        Assert.Equal(expected, sampler);
        Assert.Equal(expected.Length, sampler.Count);
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
