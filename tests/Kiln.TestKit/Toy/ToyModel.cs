using Kiln.Models;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.TestKit.Toy;

/// <summary>MMEngine's <c>ToyModel</c>: Linear(2, 2) → Linear(2, 1); the loss is the summed difference from the target 1.</summary>
public sealed class ToyModel : BaseModel
{
    private readonly Linear linear1 = nn.Linear(2, 2);
    private readonly Linear linear2 = nn.Linear(2, 1);

    public ToyModel() : base(nameof(ToyModel), null) => RegisterComponents();

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var outputs = linear2.forward(linear1.forward(inputs));
        if (mode == ForwardMode.Tensor) return ModelOutput.FromTensor(outputs);
        if (mode == ForwardMode.Loss) return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = (1 - outputs).sum() });
        var values = outputs.detach().cpu().data<float>().ToArray();
        for (int i = 0; i < dataSamples.Count; i++) dataSamples[i].Set("pred", values[i]);
        return ModelOutput.FromPredictions(dataSamples);
    }
}
