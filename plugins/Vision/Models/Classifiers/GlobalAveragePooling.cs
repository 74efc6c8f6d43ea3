using Kiln.Models;
using Kiln.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.Classifiers;

/// <summary>mmpretrain's <c>GlobalAveragePooling</c> neck (dim 2): N×C×H×W → N×C.</summary>
[Register(Registries.Models)]
public sealed class GlobalAveragePooling : BaseModule<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.AdaptiveAvgPool2d gap;

    public GlobalAveragePooling(object? initCfg = null) : base(nameof(GlobalAveragePooling), initCfg)
    {
        gap = nn.AdaptiveAvgPool2d(1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4) throw new KilnException($"GlobalAveragePooling expects N×C×H×W features, got shape [{string.Join(", ", x.shape)}].");
        return gap.call(x).flatten(1);
    }
}
