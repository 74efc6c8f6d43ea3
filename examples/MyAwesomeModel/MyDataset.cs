using Kiln.Datasets;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Examples.MyAwesomeModel;

/// <summary>
/// The Runner tutorial's <c>MyDataset</c> (spec L2608–2624, T3): two noisy rings. Labels are 0 or 1; a point of class
/// <c>l</c> has radius <c>3 (l + 1) + N(0, 1)</c> and a uniform angle. The training set draws from seed 0, the validation
/// set from seed 3407, as the tutorial; unlike its <c>torch.manual_seed</c>, a private generator is used, so building
/// the dataset does not reseed the process (and the numbers differ from PyTorch's; the distribution is the same).
/// An item is the point (a float tensor of 2) with its label in the data sample.
/// </summary>
[Register(Registries.Datasets)]
public sealed class MyDataset : IDataset
{
    private readonly float[] _data;
    private readonly long[] _labels;

    public MyDataset(bool isTrain, int size)
    {
        if (size <= 0) throw new KilnException($"MyDataset.size = {size} must be positive.");
        IsTrain = isTrain;
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(isTrain ? 0UL : 3407UL);
        var labels = randint(0, 2, [size], dtype: ScalarType.Int64, generator: generator);
        var r = 3 * (labels + 1) + randn([size], generator: generator);
        var theta = rand([size], generator: generator) * 2 * Math.PI;
        var data = vstack([r * cos(theta), r * sin(theta)]).T.contiguous();
        _data = data.data<float>().ToArray();
        _labels = labels.data<long>().ToArray();
    }

    public bool IsTrain { get; }

    public int Count => _labels.Length;

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();

    public Sample Get(int index)
    {
        if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"MyDataset has {_labels.Length} items.");
        return new Sample(tensor(_data[(index * 2)..(index * 2 + 2)]), new DataSample { GtLabel = _labels[index] });
    }
}
