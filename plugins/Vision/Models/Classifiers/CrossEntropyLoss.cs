using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.Classifiers;

/// <summary>
/// mmpretrain's <c>CrossEntropyLoss</c> (softmax cross-entropy, <c>reduction='mean'</c>) scaled by
/// <c>loss_weight</c>; <c>label_smooth_val</c> follows PyTorch's <c>label_smoothing</c>.
/// </summary>
[Register(Registries.Models)]
public sealed class CrossEntropyLoss : nn.Module<Tensor, Tensor, Tensor>
{
    public CrossEntropyLoss(double lossWeight = 1.0, double labelSmoothVal = 0.0) : base(nameof(CrossEntropyLoss))
    {
        if (labelSmoothVal is < 0 or >= 1) throw new KilnException($"CrossEntropyLoss.label_smooth_val must be in [0, 1), got {labelSmoothVal}.");
        LossWeight = lossWeight;
        LabelSmoothVal = labelSmoothVal;
    }

    public double LossWeight { get; }

    public double LabelSmoothVal { get; }

    /// <summary>Mean loss of <paramref name="logits"/> (N×C) against class indices <paramref name="labels"/> (N).</summary>
    public override Tensor forward(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits, labels, label_smoothing: LabelSmoothVal) * LossWeight;
}
