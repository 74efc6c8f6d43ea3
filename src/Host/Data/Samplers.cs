using System.Collections;
using Kiln.Datasets;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Data;

/// <summary>
/// MMEngine's <c>InfiniteSampler</c> (dataset/sampler.py, DATA-05): an endless stream of indices, each round a
/// <c>torch.randperm</c> from one generator seeded with <c>seed</c> (or <c>0..N-1</c> unshuffled), and rank r of W
/// takes every W-th index from r. <see cref="SetEpoch"/> does nothing, as in MMEngine; <see cref="Count"/> is the
/// dataset size. Each enumeration restarts the stream, so an iteration-based run resumes by skipping the consumed
/// batches (the loop does this for an infinite sampler).
/// </summary>
[Register(Registries.DataSamplers)]
public sealed class InfiniteSampler : ISampler
{
    private readonly int _size;
    private readonly int _rank;
    private readonly int _worldSize;

    public InfiniteSampler(IDataset dataset, bool shuffle = true, int? seed = null)
    {
        _size = dataset.Count;
        if (_size == 0) throw new KilnException("InfiniteSampler: the dataset is empty, so there is nothing to repeat.");
        Shuffle = shuffle;
        Seed = seed ?? Randomness.KilnRandom.Current.Next();
        _rank = Distributed.Dist.Rank;
        _worldSize = Distributed.Dist.WorldSize;
    }

    public bool Shuffle { get; }

    public int Seed { get; }

    /// <summary>The dataset size (MMEngine's <c>__len__</c>).</summary>
    public int Count => _size;

    /// <summary>A no-op (MMEngine's <c>set_epoch</c> passes).</summary>
    public void SetEpoch(int epoch) { }

    public IEnumerator<int> GetEnumerator()
    {
        long position = 0;
        using var generator = new torch.Generator((ulong)Seed);
        while (true)
        {
            long[] round;
            if (Shuffle)
            {
                using var perm = torch.randperm(_size, generator: generator);
                round = perm.data<long>().ToArray();
            }
            else round = Enumerable.Range(0, _size).Select(i => (long)i).ToArray();
            foreach (var index in round)
            {
                if (position++ % _worldSize == _rank) yield return (int)index;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// PyTorch's <c>BatchSampler</c>: groups the sampler's indices into lists of <c>batch_size</c>, the last one shorter
/// unless <c>drop_last</c>. The DataLoader uses it when no <c>batch_sampler</c> is configured.
/// </summary>
[Register(Registries.DataSamplers)]
public sealed class BatchSampler : IBatchSampler
{
    public BatchSampler(ISampler sampler, int batchSize, bool dropLast = false)
    {
        if (batchSize <= 0) throw new KilnException($"batch_size must be a positive integer, got {batchSize}.");
        Sampler = sampler;
        BatchSize = batchSize;
        DropLast = dropLast;
    }

    public ISampler Sampler { get; }

    public int BatchSize { get; }

    public bool DropLast { get; }

    public int Count => DropLast ? Sampler.Count / BatchSize : (Sampler.Count + BatchSize - 1) / BatchSize;

    public IEnumerator<int[]> GetEnumerator()
    {
        var batch = new List<int>(BatchSize);
        foreach (int index in Sampler)
        {
            batch.Add(index);
            if (batch.Count == BatchSize)
            {
                yield return batch.ToArray();
                batch.Clear();
            }
        }
        if (batch.Count > 0 && !DropLast) yield return batch.ToArray();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
