using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Models.Analysis;

/// <summary>
/// FLOPs and activations of one layer call, by module type, with fvcore's conventions as MMEngine's
/// <c>FlopAnalyzer</c>/<c>ActivationAnalyzer</c> use them (ANA-02, ANA-06): one multiply-add is one flop;
/// convolution = N·prod(output spatial)·prod(weight shape), no bias; Linear = numel(input)·out_features; batch norm
/// = 5 (affine) or 4 flops per input element in training, 2 or 1 in evaluation; group/layer/instance norm = 5 or 4;
/// adaptive average pooling = numel(input); upsampling = numel(output). Activations are the output elements of
/// convolutions and Linear layers. Everything else (ReLU, max pooling, additions) counts zero, as fvcore ignores it.
/// </summary>
internal static class OpCounter
{
    public static (long Flops, long Activations) Count(nn.Module module, Tensor input, Tensor output)
    {
        switch (module)
        {
            case Conv1d or Conv2d or Conv3d:
            {
                var w = Weight(module)!;
                long spatial = 1;
                for (int i = 2; i < output.dim(); i++) spatial *= output.shape[i];
                return (output.shape[0] * spatial * w.numel(), output.numel());
            }
            case ConvTranspose1d or ConvTranspose2d or ConvTranspose3d:
            {
                var w = Weight(module)!;
                long spatial = 1;
                for (int i = 2; i < input.dim(); i++) spatial *= input.shape[i];
                return (input.shape[0] * spatial * w.numel(), output.numel());
            }
            case Linear:
                return (input.numel() * Weight(module)!.shape[0], output.numel());
            case BatchNorm1d or BatchNorm2d or BatchNorm3d:
            {
                bool affine = Weight(module) is not null;
                bool batchStats = module.training || !HasRunningStats(module);
                return (input.numel() * (batchStats ? (affine ? 5 : 4) : (affine ? 2 : 1)), 0);
            }
            case GroupNorm or LayerNorm or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d:
                return (input.numel() * (Weight(module) is not null ? 5 : 4), 0);
            case AdaptiveAvgPool1d or AdaptiveAvgPool2d or AdaptiveAvgPool3d:
                return (input.numel(), 0);
            case Upsample:
                return (output.numel(), 0);
            default:
                return (0, 0);
        }
    }

    private static Tensor? Weight(nn.Module module)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false))
            if (name == "weight") return p;
        return null;
    }

    private static bool HasRunningStats(nn.Module module) => module.named_buffers(recurse: false).Any(b => b.name == "running_mean");
}
