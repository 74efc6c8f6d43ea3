using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using Kiln.Vision.Models.ResNets;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Examples.ResNet50Cifar10;

/// <summary>
/// The 15-minute tutorial's <c>MMResNet50</c> (spec L205–234, T1): a BaseModel holding torchvision's ResNet-50 (the
/// Vision plugin's, with torchvision's module names, here with 10 outputs for CIFAR-10's classes) as <c>resnet</c>.
/// Loss mode: <c>{'loss': F.cross_entropy(x, labels)}</c>; predict mode: the scores <c>x</c> with the labels (each
/// data sample gets its row of scores as <c>pred_score</c> next to its <c>gt_label</c>).
/// </summary>
[Register(Registries.Models)]
public sealed class MMResNet50 : BaseModel
{
    private readonly ResNet resnet;

    /// <param name="numClasses">Outputs of the final layer (10 for CIFAR-10; torchvision's resnet50() default is 1000).</param>
    public MMResNet50(int numClasses = 10) : base(nameof(MMResNet50), null)
    {
        resnet = ResNet.ResNet50(numClasses);
        RegisterComponents();
    }

    /// <summary>The torchvision ResNet-50 (<c>self.resnet</c>).</summary>
    public ResNet Resnet => resnet;

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var x = resnet.forward(inputs);
        switch (mode)
        {
            case ForwardMode.Tensor:
                return ModelOutput.FromTensor(x);
            case ForwardMode.Predict:
            {
                long classes = x.shape[1];
                var scores = x.detach().cpu().data<float>().ToArray();
                for (int i = 0; i < dataSamples.Count; i++)
                    dataSamples[i].PredScore = scores[(int)(i * classes)..(int)((i + 1) * classes)];
                return ModelOutput.FromPredictions(dataSamples);
            }
            default:
            {
                var labels = tensor(dataSamples.Select((s, i) => s.GtLabel ?? throw new KilnException($"sample {i} of the batch has no gt_label.")).ToArray(),
                    device: x.device);
                return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = nn.functional.cross_entropy(x, labels) });
            }
        }
    }
}
