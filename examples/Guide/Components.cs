using Kiln.Datasets;
using Kiln.Evaluation;
using Kiln.Hooks;
using Kiln.Models;
using Kiln.Optim;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Guide;

/// <summary>
/// The guide's toys, in the spirit of the Runner tutorial's MyToyModel/MyDataset/Accuracy: a two-class problem on two
/// numbers (class 1 when the first is larger), a linear classifier, an accuracy metric and a hook that counts.
/// Registered in scope <c>guide</c> by <see cref="GuidePlugin"/>.
/// </summary>
#region guide:model-class
[Register(Registries.Models)]
public sealed class MyToyModel : BaseModel
{
    private readonly Linear fc;

    public MyToyModel(int hidden = 2, BaseDataPreprocessor? dataPreprocessor = null, object? initCfg = null)
        : base(nameof(MyToyModel), dataPreprocessor, initCfg)
    {
        fc = nn.Linear(2, hidden);
        RegisterComponents();
    }

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var logits = fc.forward(inputs);
        if (mode == ForwardMode.Tensor) return ModelOutput.FromTensor(logits);
        if (mode == ForwardMode.Loss)
        {
            var labels = tensor(dataSamples.Select(s => s.GtLabel ?? 0).ToArray());
            return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(logits, labels) });
        }
        var predicted = logits.argmax(1).data<long>().ToArray();
        for (int i = 0; i < dataSamples.Count; i++) dataSamples[i].PredLabel = predicted[i];
        return ModelOutput.FromPredictions(dataSamples);
    }
}
#endregion

/// <summary><paramref name="size"/> pairs of numbers in [0, 1) drawn from a fixed seed; the label is 1 when the first is larger.</summary>
#region guide:dataset-class
[Register(Registries.Datasets)]
public sealed class MyDataset : IDataset
{
    private readonly float[] _data;

    public MyDataset(int size = 64, int seed = 0)
    {
        var random = new Random(seed);
        _data = Enumerable.Range(0, size * 2).Select(_ => (float)random.NextDouble()).ToArray();
        Count = size;
    }

    public int Count { get; }

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?> { ["classes"] = new[] { "second", "first" } };

    public Sample Get(int index)
    {
        var pair = _data[(index * 2)..(index * 2 + 2)];
        return new Sample(torch.tensor(pair), new DataSample { GtLabel = pair[0] > pair[1] ? 1 : 0 });
    }
}
#endregion

/// <summary>Top-1 accuracy in percent, as <c>accuracy</c>.</summary>
#region guide:metric-class
[Register(Registries.Metrics)]
public sealed class MyAccuracy(string? prefix = null) : BaseMetric(prefix)
{
    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples) Results.Add(sample.PredLabel == sample.GtLabel ? 1.0 : 0.0);
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results) =>
        new Dictionary<string, double> { ["accuracy"] = 100.0 * results.Cast<double>().Average() };
}
#endregion

/// <summary>The plugin entry of the guide's scope; its <c>[Register]</c> classes are found by scanning.</summary>
public sealed class GuidePlugin : IKilnPlugin
{
    public string Scope => "guide";
}

#region guide:hook-class
/// <summary>The Hook tutorial's CheckInvalidLossHook: every <c>interval</c> iterations, stop if the loss is not finite.</summary>
[Register(Registries.Hooks)]
public sealed class CheckInvalidLossHook(int interval = 50) : Hook
{
    public int Checks { get; private set; }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if ((runner.Iter + 1) % interval != 0) return;   // MMEngine's every_n_train_iters
        Checks++;
        if (!double.IsFinite(args.Outputs["loss"]))
            throw new KilnException($"loss became infinite or NaN at iteration {runner.Iter + 1}");
    }
}
#endregion

#region guide:transform-class
/// <summary>A data transform (MMCV's BaseTransform): scales the 'inputs' pair of a results dict.</summary>
[Register(Registries.Transforms)]
public sealed class ScalePair(double factor = 2.0) : ITransform
{
    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        var pair = (IEnumerable<object?>)results["pair"]!;   // a JSON list
        results["pair"] = pair.Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) * factor).ToArray();
        return results;
    }
}
#endregion

#region guide:train-step
/// <summary>
/// MMCV's <c>train_step(data, optimizer)</c> returned <c>dict(loss, log_vars, num_samples)</c> and an OptimizerHook
/// stepped; in MMEngine and Kiln <c>TrainStep</c> receives the optimizer wrapper and updates the parameters itself.
/// </summary>
[Register(Registries.Models)]
public sealed class ManualStepModel : BaseModel
{
    private readonly Linear fc = nn.Linear(2, 2);

    public ManualStepModel() : base(nameof(ManualStepModel), null) => RegisterComponents();

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var logits = fc.forward(inputs);
        var labels = tensor(dataSamples.Select(s => s.GtLabel ?? 0).ToArray());
        return ModelOutput.FromLosses(new Dictionary<string, Tensor>
        {
            ["loss_cls"] = nn.functional.cross_entropy(logits, labels),
            ["loss_l2"] = 0.01 * fc.weight!.pow(2).sum(),
        });
    }

    public override IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper)
    {
        using var scope = NewDisposeScope();
        var data = DataPreprocessor.Forward(batch, training: true);
        var losses = Forward(data.Inputs, data.DataSamples, ForwardMode.Loss).Losses!;
        var (loss, logVars) = ParseLosses(losses);   // sums every key containing 'loss'; logs each and the total
        optimWrapper.UpdateParams(loss);             // backward, step, zero_grad (OptimizerHook's work in MMCV)
        return logVars;                              // plain numbers for the log
    }
}
#endregion
