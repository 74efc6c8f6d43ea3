using System.Collections;
using Kiln.Config;
using Kiln.Data;
using Kiln.Datasets;
using Kiln.Randomness;
using Kiln.Registry;
using Kiln.Structures;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace Kiln.Tests.Data;

/// <summary>
/// The worker-thread DataLoader (DATA-25, RUN-17), InfiniteSampler (DATA-05), batch samplers and custom samplers
/// (DATA-06), default_collate (DATA-08).
/// </summary>
public sealed class DataLoaderWorkerTests : IDisposable
{
    /// <summary>A sample is its index plus a "random augmentation" drawn from KilnRandom.Current, as a tensor.</summary>
    private sealed class RandomAugmented(int count, int? failAt = null) : IDataset
    {
        public int Count => count;
        public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();
        public Sample Get(int index)
        {
            if (index == failAt) throw new InvalidOperationException($"broken image {index}");
            var noise = (float)KilnRandom.Current.NextDouble();
            // some intermediate tensors that the worker's scope must free
            using var scope = torch.NewDisposeScope();
            var t = (torch.ones(3) * index + noise).MoveToOuterDisposeScope();
            return new Sample(t, new DataSample { GtLabel = index });
        }
    }

    private static List<float[]> Run(DataLoader loader, int epochs = 2)
    {
        var seen = new List<float[]>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            loader.Sampler.SetEpoch(epoch);
            foreach (var batch in loader)
                using (torch.NewDisposeScope())
                    seen.Add(batch.Inputs.SelectMany(x => ((torch.Tensor)x).data<float>().ToArray()).ToArray());
        }
        return seen;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SameSeed_AnyNumWorkers_SameBatchSequence(bool persistent) // DATA-25, SEED-01
    {
        List<float[]>? reference = null;
        foreach (int workers in new[] { 0, 2, 4 })
        {
            var ds = new RandomAugmented(23);
            using var loader = new DataLoader(ds, new DefaultSampler(ds, shuffle: true, seed: 3), batchSize: 4, numWorkers: workers,
                persistentWorkers: persistent && workers > 0, seed: 3, prefetchFactor: workers > 0 ? 1 : null);
            var batches = Run(loader);
            Assert.Equal(12, batches.Count);   // 6 batches x 2 epochs
            if (reference is null) reference = batches;
            else for (int i = 0; i < reference.Count; i++) Assert.Equal(reference[i], batches[i]);
        }
        // the augmentations differ between epochs and between samples
        Assert.NotEqual(reference![0].OrderBy(x => x), reference[6].OrderBy(x => x));
    }

    [Fact]
    public void SkipBatches_GivesTheSameLaterBatches_WithWorkers() // resume mid-epoch by sampler index
    {
        var ds = new RandomAugmented(20);
        using var full = new DataLoader(ds, new DefaultSampler(ds, seed: 1), batchSize: 3, numWorkers: 2, seed: 1);
        using var resumed = new DataLoader(ds, new DefaultSampler(ds, seed: 1), batchSize: 3, numWorkers: 0, seed: 1);
        var all = Run(full, 1);
        var tail = new List<float[]>();
        foreach (var batch in resumed.Enumerate(4))
            tail.Add(batch.Inputs.SelectMany(x => ((torch.Tensor)x).data<float>().ToArray()).ToArray());
        Assert.Equal(all.Skip(4), tail);
    }

    [Fact]
    public void WorkerException_SurfacesOnTheConsumer_WithSampleIndex()
    {
        var ds = new RandomAugmented(10, failAt: 7);
        using var loader = new DataLoader(ds, new DefaultSampler(ds, shuffle: false), batchSize: 2, numWorkers: 2);
        var e = Assert.Throws<KilnException>(() => Run(loader, 1));
        Assert.Contains("loading sample 7", e.Message);
        Assert.Contains("data worker 1", e.Message);   // batch 3 -> worker 3 mod 2
        Assert.Contains("broken image 7", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        // the loader is usable again after the failed pass (and inline loading names the index too)
        using var inline = new DataLoader(ds, new DefaultSampler(ds, shuffle: false), batchSize: 2);
        Assert.Contains("loading sample 7", Assert.Throws<KilnException>(() => Run(inline, 1)).Message);
    }

    [Fact]
    public void WorkerBatches_AreOwnedByTheConsumersDisposeScope()
    {
        var ds = new RandomAugmented(8);
        using var loader = new DataLoader(ds, new DefaultSampler(ds, shuffle: false), batchSize: 4, numWorkers: 2, collate: Collate.DefaultCollate);
        torch.Tensor stacked;
        using (var e = loader.GetEnumerator())
        {
            using (torch.NewDisposeScope())
            {
                Assert.True(e.MoveNext());
                stacked = (torch.Tensor)e.Current.StackedInputs!;
                Assert.Equal([4L, 3L], stacked.shape);
                Assert.InRange(stacked[3][0].item<float>(), 3f, 4f);
                Assert.False(stacked.IsInvalid);
            }
            Assert.True(stacked.IsInvalid);   // freed with the iteration's scope
            // leaving the enumeration early disposes the prefetched batch and stops the pass
        }
    }

    [Fact]
    public void Options_ValidatedAsPyTorch()
    {
        var ds = new RandomAugmented(4);
        var sampler = new DefaultSampler(ds);
        Assert.Contains("prefetch_factor", Assert.Throws<KilnException>(() => new DataLoader(ds, sampler, prefetchFactor: 2)).Message);
        Assert.Contains("persistent_workers", Assert.Throws<KilnException>(() => new DataLoader(ds, sampler, persistentWorkers: true)).Message);
        Assert.Contains("drop_last", Assert.Throws<KilnException>(() => new DataLoader(ds, sampler, dropLast: true, batchSampler: new BatchSampler(sampler, 2))).Message);
        var loader = new DataLoader(ds, sampler, numWorkers: 1, persistentWorkers: true);
        Assert.Equal(4, Run(loader, 1).Count);
        loader.Dispose();
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Enumerate(0));
    }

    [Fact]
    public void InfiniteSampler_MMEngineOrder() // DATA-05 (test_sampler.py)
    {
        var ds = new RandomAugmented(10);
        Assert.Equal(Enumerable.Range(0, 10).Concat(Enumerable.Range(0, 10)), new InfiniteSampler(ds, shuffle: false).Take(20));
        using var g = new torch.Generator(5);
        using var p1 = torch.randperm(10, generator: g);
        using var p2 = torch.randperm(10, generator: g);
        var expected = p1.data<long>().ToArray().Concat(p2.data<long>().ToArray()).Select(i => (int)i);
        Assert.Equal(expected, new InfiniteSampler(ds, shuffle: true, seed: 5).Take(20));
        Assert.Equal(10, new InfiniteSampler(ds).Count);
        var loader = new DataLoader(ds, new InfiniteSampler(ds, shuffle: false), batchSize: 4, numWorkers: 2);
        Assert.True(loader.IsInfinite);
        Assert.Equal([8, 9, 0, 1], loader.Enumerate(2).First().DataSamples.Select(d => (int)d!.GtLabel!.Value));
        loader.Dispose();
    }

    [Fact]
    public void DefaultCollate_StacksTensorsNumbersAndDicts() // DATA-08
    {
        var samples = new[]
        {
            new Sample(new Dictionary<string, object?> { ["a"] = torch.ones(2), ["n"] = 1L, ["f"] = 0.5, ["s"] = "x" }, null),
            new Sample(new Dictionary<string, object?> { ["a"] = torch.zeros(2), ["n"] = 2L, ["f"] = 1.5, ["s"] = "y" }, null),
        };
        var batch = Collate.DefaultCollate(samples);
        var stacked = (Dictionary<string, object?>)batch.StackedInputs!;
        Assert.Equal([2L, 2L], ((torch.Tensor)stacked["a"]!).shape);
        Assert.Equal(torch.ScalarType.Int64, ((torch.Tensor)stacked["n"]!).dtype);
        Assert.Equal(torch.ScalarType.Float64, ((torch.Tensor)stacked["f"]!).dtype);
        Assert.Equal(new List<object?> { "x", "y" }, stacked["s"]);
        Assert.Equal(2, batch.Count);
        var lists = Collate.CollateValues([new List<object?> { 1L, 2.0 }, new List<object?> { 3L, 4.0 }]);
        Assert.Equal(2, ((IList)lists!).Count);
        Assert.Contains("equal size", Assert.Throws<KilnException>(() => Collate.CollateValues([new List<object?> { 1L }, new List<object?> { 1L, 2L }])).Message);
    }

    // ---- building from config (RUN-17, DATA-06) ----

    private sealed class EveryOther(ISampler sampler, int batchSize) : IBatchSampler
    {
        public ISampler Sampler => sampler;
        public int BatchSize => batchSize;
        public int Count => (sampler.Count + 2 * batchSize - 1) / (2 * batchSize);
        public IEnumerator<int[]> GetEnumerator() => sampler.Chunk(batchSize).Where((_, i) => i % 2 == 0).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    // MMEngine builds samplers with default_args dataset and seed, so a custom sampler takes both.
    private sealed class Reverse(IDataset dataset, int? seed = null) : ISampler
    {
        public int Count => dataset.Count;
        public int? Seed => seed;
        public void SetEpoch(int epoch) { }
        public IEnumerator<int> GetEnumerator() => Enumerable.Range(0, dataset.Count).Reverse().GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class DataTestPlugin : IKilnPlugin
    {
        public string Scope => "datatest";
        public void Register(IPluginRegistrar registrar)
        {
            registrar.Register(Registries.DataSamplers, typeof(EveryOther));
            registrar.Register(Registries.DataSamplers, typeof(Reverse));
            registrar.Register(Registries.Datasets, typeof(RandomAugmented));
        }
    }

    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddOptions()
        .AddKiln(o => { o.LoadPluginFolders = false; o.InProcessPlugins.Add(new DataTestPlugin()); }).BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private static ConfigDict Dict(params (string Key, object? Value)[] items) => new(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)));

    [Fact]
    public void BuildDataloader_Static_CustomSamplerBatchSamplerAndCollate() // RUN-17, DATA-06, DATA-08
    {
        var cfg = Dict(("batch_size", 2L), ("num_workers", 2L), ("persistent_workers", true), ("prefetch_factor", 3L),
            ("dataset", Dict(("type", "RandomAugmented"), ("count", 10L))),
            ("sampler", Dict(("type", "Reverse"))),
            ("batch_sampler", Dict(("type", "EveryOther"))),
            ("collate_fn", Dict(("type", "default_collate"))));
        using var loader = Kiln.Runner.BuildDataloader(cfg, _services, seed: 0, defaultScope: "datatest");
        Assert.Equal(3, loader.Count);
        Assert.Equal(3, loader.PrefetchFactor);
        var labels = loader.Select(b => b.DataSamples.Select(d => (int)d!.GtLabel!.Value).ToArray()).ToList();
        Assert.Equal([[9, 8], [5, 4], [1, 0]], labels);
        Assert.Contains("shuffle", Assert.Throws<KilnException>(() => Kiln.Runner.BuildDataloader(Dict(("shuffle", true)), _services)).Message);
        Assert.Contains("mutually exclusive", Assert.Throws<KilnException>(() => Kiln.Runner.BuildDataloader(new ConfigDict(cfg) { ["drop_last"] = true }, _services, defaultScope: "datatest")).Message);
    }

    [Fact]
    public void BuildDataloader_AcceptsADatasetObject_AndFullInitsIt() // RUN-17
    {
        var ds = new BaseDataset(lazyInit: true, annFile: "missing.json");
        var cfg = Dict(("batch_size", 2L), ("dataset", ds), ("sampler", Dict(("type", "DefaultSampler"))));
        Assert.Contains("missing.json", Assert.Throws<KilnException>(() => Kiln.Runner.BuildDataloader(cfg, _services)).Message);
        var ok = Dict(("dataset", new RandomAugmented(5)), ("sampler", Dict(("type", "DefaultSampler"), ("shuffle", false))), ("batch_size", 2L));
        using var loader = Kiln.Runner.BuildDataloader(ok, _services);
        Assert.Equal(3, loader.Count);
    }
}
