using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models;

/// <summary>
/// LeNet-5 as an image classifier for 28×28 inputs: three 5×5 convolutions (the first padded, so MNIST needs no
/// resize) with ReLU and 2×2 max pooling, then 120 → 84 → <c>num_classes</c>. ReLU and max pooling replace the
/// original's tanh and average pooling: they train in fewer epochs. State-dict keys are <c>features.N.*</c> and
/// <c>classifier.N.*</c>. Loss mode returns <c>loss</c> (cross-entropy); predict mode returns softmax scores.
/// </summary>
[Register(Registries.Models)]
public sealed class LeNet5 : BaseModel
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    public LeNet5(int numClasses = 10, BaseDataPreprocessor? dataPreprocessor = null) : base(nameof(LeNet5), dataPreprocessor)
    {
        if (numClasses < 1) throw new KilnException($"LeNet5.num_classes must be positive, got {numClasses}.");
        NumClasses = numClasses;
        features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding: 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 120, 5), nn.ReLU());
        classifier = nn.Sequential(nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, numClasses));
        RegisterComponents();
        InitLayers();
    }

    /// <summary>He (Kaiming) normal initialisation for the ReLU layers, zero biases: trains in fewer steps than PyTorch's default uniform init.</summary>
    private void InitLayers()
    {
        using var noGrad = no_grad();
        foreach (var module in features.children().Concat(classifier.children()))
        {
            if (module is Conv2d conv) { nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU); nn.init.zeros_(conv.bias); }
            else if (module is Linear linear) { nn.init.kaiming_normal_(linear.weight, nonlinearity: nn.init.NonlinearityType.ReLU); nn.init.zeros_(linear.bias); }
        }
    }

    public int NumClasses { get; }

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var logits = classifier.call(features.call(inputs).flatten(1));
        switch (mode)
        {
            case ForwardMode.Tensor:
                return ModelOutput.FromTensor(logits);
            case ForwardMode.Loss:
                var labels = DataSample.GtLabelTensor(dataSamples, "LeNet5", logits.device);
                return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(logits, labels) });
            default:
                var scores = nn.functional.softmax(logits, 1).cpu();
                var flat = scores.data<float>().ToArray();
                var predictions = new DataSample[dataSamples.Count];
                for (int i = 0; i < predictions.Length; i++)
                {
                    var row = flat.AsSpan(i * NumClasses, NumClasses).ToArray();
                    predictions[i] = dataSamples[i];
                    predictions[i].PredScore = row;
                    predictions[i].PredLabel = Array.IndexOf(row, row.Max());
                }
                return ModelOutput.FromPredictions(predictions);
        }
    }
}
