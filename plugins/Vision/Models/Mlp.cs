using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models;

/// <summary>
/// A multilayer perceptron classifier: the input is flattened, then <c>Linear → ReLU</c> for each of
/// <c>hidden_channels</c>, then a Linear to <c>num_classes</c>. State-dict keys are <c>layers.N.weight</c>/<c>bias</c>
/// (N counting the ReLUs, as <c>nn.Sequential</c> does). Loss: cross-entropy; predict: softmax scores.
/// </summary>
[Register(Registries.Models, "MLP")]
public sealed class Mlp : BaseModel
{
    private readonly Sequential layers;

    /// <param name="inChannels">Features per input after flattening (784 for 28×28 digits).</param>
    /// <param name="hiddenChannels">Widths of the hidden layers, in order; empty for a linear classifier.</param>
    /// <param name="numClasses">Outputs.</param>
    public Mlp(int inChannels, IReadOnlyList<int> hiddenChannels, int numClasses = 10, BaseDataPreprocessor? dataPreprocessor = null, object? initCfg = null)
        : base("MLP", dataPreprocessor, initCfg)
    {
        if (inChannels < 1) throw new KilnException($"MLP.in_channels must be positive, got {inChannels}.");
        if (numClasses < 1) throw new KilnException($"MLP.num_classes must be positive, got {numClasses}.");
        for (int i = 0; i < hiddenChannels.Count; i++)
            if (hiddenChannels[i] < 1) throw new KilnException($"MLP.hidden_channels[{i}] must be positive, got {hiddenChannels[i]}.");
        NumClasses = numClasses;
        var modules = new List<nn.Module<Tensor, Tensor>>();
        long width = inChannels;
        foreach (var hidden in hiddenChannels)
        {
            modules.Add(nn.Linear(width, hidden));
            modules.Add(nn.ReLU());
            width = hidden;
        }
        modules.Add(nn.Linear(width, numClasses));
        layers = nn.Sequential(modules.ToArray());
        RegisterComponents();
    }

    public int NumClasses { get; }

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var logits = layers.call(inputs.flatten(1));
        switch (mode)
        {
            case ForwardMode.Tensor:
                return ModelOutput.FromTensor(logits);
            case ForwardMode.Loss:
                var labels = DataSample.GtLabelTensor(dataSamples, "MLP", logits.device);
                return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(logits, labels) });
            default:
                var scores = nn.functional.softmax(logits, 1).cpu().data<float>().ToArray();
                for (int i = 0; i < dataSamples.Count; i++)
                {
                    var row = scores.AsSpan(i * NumClasses, NumClasses).ToArray();
                    dataSamples[i].PredScore = row;
                    dataSamples[i].PredLabel = Array.IndexOf(row, row.Max());
                }
                return ModelOutput.FromPredictions(dataSamples);
        }
    }
}
