using System.Collections;
using Kiln.Datasets;
using Kiln.Registry;
using TorchSharp;

namespace Kiln.Data;

/// <summary>
/// MMEngine's <c>DefaultSampler</c> (dataset/sampler.py) for one process: every index once per epoch, shuffled
/// with <c>torch.randperm</c> from a generator seeded <c>seed + epoch</c>, so the order is libtorch's and matches
/// MMEngine's for the same seed. <see cref="SetEpoch"/> is called by <c>DistSamplerSeedHook</c>.
/// </summary>
[Register(Registries.DataSamplers)]
public sealed class DefaultSampler : ISampler
{
    private readonly int _size;
    private readonly int _rank;
    private readonly int _worldSize;
    private readonly int _numSamples;
    private readonly int _totalSize;
    private int _epoch;

    /// <param name="dataset">The dataset sampled (given by the dataloader builder).</param>
    /// <param name="shuffle">Shuffle every epoch.</param>
    /// <param name="seed">Shuffle seed; the runner passes <c>randomness.seed</c>. A random seed when null.</param>
    /// <param name="roundUp">Pad to a multiple of the world size (a no-op in one process).</param>
    public DefaultSampler(IDataset dataset, bool shuffle = true, int? seed = null, bool roundUp = true)
    {
        _size = dataset.Count;
        Shuffle = shuffle;
        Seed = seed ?? Distributed.Dist.SyncRandomSeed(); // MMEngine: sync_random_seed(), so every rank shuffles alike
        RoundUp = roundUp;
        _rank = Distributed.Dist.Rank;
        _worldSize = Distributed.Dist.WorldSize;
        if (roundUp)
        {
            _numSamples = (_size + _worldSize - 1) / _worldSize;
            _totalSize = _numSamples * _worldSize;
        }
        else
        {
            _numSamples = Math.Max(0, (_size - _rank + _worldSize - 1) / _worldSize);
            _totalSize = _size;
        }
    }

    public bool Shuffle { get; }

    public int Seed { get; }

    public bool RoundUp { get; }

    /// <summary>Indices this rank yields per epoch (MMEngine's <c>num_samples</c>).</summary>
    public int Count => _numSamples;

    public void SetEpoch(int epoch) => _epoch = epoch;

    public int Epoch => _epoch;

    public IEnumerator<int> GetEnumerator()
    {
        long[] order;
        if (!Shuffle)
        {
            order = new long[_size];
            for (int i = 0; i < _size; i++) order[i] = i;
        }
        else
        {
            using var generator = new torch.Generator((ulong)(Seed + _epoch));
            using var perm = torch.randperm(_size, generator: generator);
            order = perm.data<long>().ToArray();
        }
        if (_worldSize == 1)
        {
            foreach (var i in order) yield return (int)i;
            yield break;
        }
        // MMEngine: indices = (indices * int(total_size / len(indices) + 1))[:total_size]; indices[rank:total_size:world_size]
        for (int k = _rank; k < _totalSize; k += _worldSize)
            yield return (int)order[k % _size];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
