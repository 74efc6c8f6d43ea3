using Kiln.Datasets;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.TestKit.Toy;

/// <summary>MMEngine's <c>ToyDataset</c>: <paramref name="size"/> samples of two values (seeded, so runs repeat), labels 1.</summary>
public sealed class ToyDataset : IDataset
{
    private readonly float[] _data;

    public ToyDataset(int size = 12)
    {
        var random = new Random(size);
        _data = Enumerable.Range(0, size * 2).Select(_ => (float)random.NextDouble()).ToArray();
        Count = size;
    }

    public int Count { get; }

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();

    public Sample Get(int index) => new(torch.tensor(_data[(index * 2)..(index * 2 + 2)]), new DataSample { GtLabel = 1 });
}
