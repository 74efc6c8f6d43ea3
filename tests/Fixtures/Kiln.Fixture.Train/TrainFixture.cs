using Kiln.Datasets;
using Kiln.Hooks;
using Kiln.Models;
using Kiln.Randomness;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

[assembly: KilnPlugin("trainfix")]

namespace Kiln.Fixture.Train;

/// <summary>The fixture's entry: owns the <c>trainfix</c> scope; its components register by attribute.</summary>
public sealed class TrainFixturePlugin : IKilnPlugin
{
    public string Scope => "trainfix";
}

/// <summary>
/// Linear → ReLU → Dropout → Linear regressing the sum of the inputs. Dropout draws from libtorch's default
/// generator, so a resumed run only matches an uninterrupted one when that generator's state was restored.
/// </summary>
[Register(Registries.Models)]
public sealed class ResumeNet : BaseModel
{
    private readonly Linear fc1;
    private readonly Dropout drop;
    private readonly Linear fc2;

    public ResumeNet(int inFeatures = 4, int hidden = 16, double dropout = 0.25) : base(nameof(ResumeNet), null)
    {
        fc1 = nn.Linear(inFeatures, hidden);
        drop = nn.Dropout(dropout);
        fc2 = nn.Linear(hidden, 1);
        RegisterComponents();
    }

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var outputs = fc2.forward(drop.forward(nn.functional.relu(fc1.forward(inputs)))).squeeze(-1);
        if (mode == ForwardMode.Tensor) return ModelOutput.FromTensor(outputs);
        if (mode == ForwardMode.Loss)
            return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = (outputs - inputs.sum(-1)).pow(2).mean() });
        var values = outputs.detach().cpu().data<float>().ToArray();
        for (int i = 0; i < dataSamples.Count; i++) dataSamples[i].Set("pred", values[i]);
        return ModelOutput.FromPredictions(dataSamples);
    }
}

/// <summary>
/// <paramref name="size"/> fixed samples of <paramref name="features"/> values; with <paramref name="augment"/>, each
/// load adds noise from <see cref="KilnRandom.Current"/> (as a random transform would), so a resumed run only
/// matches when the .NET random state was restored too.
/// </summary>
[Register(Registries.Datasets)]
public sealed class NoiseDataset : IDataset
{
    private readonly float[] _data;
    private readonly int _features;
    private readonly bool _augment;

    public NoiseDataset(int size = 24, int features = 4, int seed = 7, bool augment = true)
    {
        var random = new Random(seed);
        _data = Enumerable.Range(0, size * features).Select(_ => (float)random.NextDouble()).ToArray();
        _features = features;
        _augment = augment;
        Count = size;
    }

    public int Count { get; }

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();

    public Sample Get(int index)
    {
        var values = _data[(index * _features)..((index + 1) * _features)];
        if (_augment)
        {
            var random = KilnRandom.Current;
            for (int i = 0; i < values.Length; i++) values[i] += (float)(0.01 * random.NextDouble());
        }
        return new Sample(torch.tensor(values), new DataSample { GtLabel = 0 });
    }
}

/// <summary>
/// Sleeps <c>sleep_ms</c> after every training iteration; after iteration <c>stall_after_iter</c> (1-based) it blocks
/// for good, so a test can SIGKILL the process at a known point. Give it <c>priority='LOWEST'</c> to run after the
/// CheckpointHook, so that iteration's checkpoint is on disk when it stalls.
/// </summary>
[Register(Registries.Hooks)]
public sealed class SleepHook : Hook
{
    public SleepHook(int sleepMs = 0, int stallAfterIter = -1)
    {
        SleepMs = sleepMs;
        StallAfterIter = stallAfterIter;
    }

    public int SleepMs { get; }

    public int StallAfterIter { get; }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if (runner.Iter + 1 == StallAfterIter) Thread.Sleep(Timeout.Infinite);
        if (SleepMs > 0) Thread.Sleep(SleepMs);
    }
}
