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
    private int _epoch;

    /// <param name="dataset">The dataset sampled (given by the dataloader builder).</param>
    /// <param name="shuffle">Shuffle every epoch.</param>
    /// <param name="seed">Shuffle seed; the runner passes <c>randomness.seed</c>. A random seed when null.</param>
    /// <param name="roundUp">Pad to a multiple of the world size (a no-op in one process).</param>
    public DefaultSampler(IDataset dataset, bool shuffle = true, int? seed = null, bool roundUp = true)
    {
        _size = dataset.Count;
        Shuffle = shuffle;
        Seed = seed ?? Randomness.KilnRandom.Current.Next();
        RoundUp = roundUp;
    }

    public bool Shuffle { get; }

    public int Seed { get; }

    public bool RoundUp { get; }

    public int Count => _size;

    public void SetEpoch(int epoch) => _epoch = epoch;

    public IEnumerator<int> GetEnumerator()
    {
        if (!Shuffle)
        {
            for (int i = 0; i < _size; i++) yield return i;
            yield break;
        }
        long[] order;
        using (var generator = new torch.Generator((ulong)(Seed + _epoch)))
        using (var perm = torch.randperm(_size, generator: generator))
            order = perm.data<long>().ToArray();
        foreach (var i in order) yield return (int)i;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
