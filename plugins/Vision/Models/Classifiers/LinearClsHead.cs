using Kiln.Models;
using Kiln.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.Classifiers;

/// <summary>
/// mmpretrain's <c>LinearClsHead</c>: one <c>fc</c> (<c>in_channels</c> → <c>num_classes</c>) and a loss
/// (<see cref="CrossEntropyLoss"/> unless <c>loss</c> names another). Its default <c>init_cfg</c> is mmpretrain's
/// <c>dict(type='Normal', layer='Linear', std=0.01)</c>.
/// </summary>
[Register(Registries.Models)]
public sealed class LinearClsHead : BaseModule<Tensor, Tensor>
{
    private readonly Linear fc;
    private readonly CrossEntropyLoss loss_module;

    public LinearClsHead(int numClasses, int inChannels, CrossEntropyLoss? loss = null, object? initCfg = null)
        : base(nameof(LinearClsHead), initCfg ?? DefaultInitCfg())
    {
        if (numClasses < 1) throw new KilnException($"LinearClsHead.num_classes must be positive, got {numClasses}.");
        if (inChannels < 1) throw new KilnException($"LinearClsHead.in_channels must be positive, got {inChannels}.");
        NumClasses = numClasses;
        fc = nn.Linear(inChannels, numClasses);
        loss_module = loss ?? new CrossEntropyLoss();
        RegisterComponents();
    }

    public int NumClasses { get; }

    /// <summary>The loss (mmpretrain's <c>loss_module</c>).</summary>
    public CrossEntropyLoss Loss => loss_module;

    public override Tensor forward(Tensor features) => fc.call(features);

    private static Config.ConfigDict DefaultInitCfg() => new() { ["type"] = "Normal", ["layer"] = "Linear", ["std"] = 0.01 };
}
