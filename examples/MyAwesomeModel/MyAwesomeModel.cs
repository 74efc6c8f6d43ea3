using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Examples.MyAwesomeModel;

/// <summary>
/// The Runner tutorial's <c>MyAwesomeModel</c> (spec L2571–2605, T3): an MLP <c>Linear(2, 64)</c> then
/// <c>layers − 1</c> × <c>Linear(64, 64)</c>, each followed by the activation, and a <c>Linear(64, 2)</c> classifier.
/// Forward modes as the tutorial: tensor → logits, predict → softmax scores, loss → cross-entropy.
/// </summary>
[Register(Registries.Models)]
public sealed class MyAwesomeModel : BaseModel
{
    private readonly Sequential mlp;
    private readonly Linear classifier;

    /// <param name="layers">Linear layers in the MLP (1 or more).</param>
    /// <param name="activation"><c>relu</c>, <c>silu</c> or <c>none</c>; anything else is an error (the tutorial raises NotImplementedError).</param>
    public MyAwesomeModel(int layers = 4, string activation = "relu") : base(nameof(MyAwesomeModel), null)
    {
        if (layers < 1) throw new KilnException($"MyAwesomeModel.layers = {layers}: the MLP needs at least 1 layer.");
        Func<nn.Module<Tensor, Tensor>> act = activation switch
        {
            "relu" => () => nn.ReLU(),
            "silu" => () => nn.SiLU(),
            "none" => () => nn.Identity(),
            _ => throw new KilnException($"MyAwesomeModel.activation = '{activation}' is not implemented; valid: 'relu', 'silu', 'none'."),
        };
        var sequence = new List<nn.Module<Tensor, Tensor>> { nn.Linear(2, 64), act() };
        for (int i = 0; i < layers - 1; i++)
        {
            sequence.Add(nn.Linear(64, 64));
            sequence.Add(act());
        }
        mlp = nn.Sequential(sequence);
        classifier = nn.Linear(64, 2);
        Layers = layers;
        Activation = activation;
        RegisterComponents();
    }

    public int Layers { get; }

    public string Activation { get; }

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var x = classifier.forward(mlp.forward(inputs));
        switch (mode)
        {
            case ForwardMode.Tensor:
                return ModelOutput.FromTensor(x);
            case ForwardMode.Predict:
            {
                // (F.softmax(x, dim=1), labels): the scores go into each sample, which already holds its label.
                var scores = nn.functional.softmax(x, 1).detach().cpu().data<float>().ToArray();
                for (int i = 0; i < dataSamples.Count; i++) dataSamples[i].PredScore = scores[(i * 2)..(i * 2 + 2)];
                return ModelOutput.FromPredictions(dataSamples);
            }
            default:
                return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(x, Labels(dataSamples, x.device)) });
        }
    }

    internal static Tensor Labels(IReadOnlyList<DataSample> dataSamples, Device device) =>
        tensor(dataSamples.Select((s, i) => s.GtLabel ?? throw new KilnException($"sample {i} of the batch has no gt_label.")).ToArray(), device: device);
}
