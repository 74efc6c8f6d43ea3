using Kiln.Registry;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Hooks;

/// <summary>
/// A generic visualization hook (MMEngine's core has none; this follows mmpretrain's <c>VisualizationHook</c> and
/// mmdet's <c>DetVisualizationHook</c>): with <c>draw=True</c>, after each validation and test iteration, every
/// <c>interval</c>-th sample (counted across batches, from 0) is handed to the run's visualizer's
/// <see cref="Visualizer.AddDatasample"/> as <c>&lt;mode&gt;_&lt;index&gt;</c> at step <c>runner.iter</c>; the base
/// visualizer draws its ground-truth and predicted labels and stores the picture through the backends
/// (LocalVisBackend: <c>vis_data/vis_image/val_0_&lt;step&gt;.png</c>), or into <c>out_dir</c> (relative to the
/// run's log directory) when given. Inputs must be image tensors (C×H×W with 1 or 3 channels; uint8 as they are,
/// float in [0, 1] scaled by 255, other floats min-max scaled). <c>rescale_factor</c> enlarges small images first
/// so the labels fit (8 for MNIST's 28×28). <c>show=True</c> is an error: Kiln opens no windows.
/// </summary>
[Register(Registries.Hooks)]
public sealed class VisualizationHook : Hook
{
    public VisualizationHook(bool draw = false, int interval = 50, bool show = false, string? outDir = null, double? rescaleFactor = null)
    {
        if (interval <= 0) throw new KilnException($"VisualizationHook.interval = {interval} must be positive.");
        if (show) throw new KilnException("VisualizationHook.show = True needs a display, which Kiln does not open; leave show=False and read the images from vis_data/vis_image or out_dir.");
        Draw = draw;
        Interval = interval;
        OutDir = outDir;
        RescaleFactor = rescaleFactor;
    }

    public bool Draw { get; }

    public int Interval { get; }

    public string? OutDir { get; }

    public double? RescaleFactor { get; }

    public override int Priority => HookPriority.Normal;

    public override void AfterValIter(IRunnerContext runner, EvalIterArgs args) => Visualize(runner, args, "val");

    public override void AfterTestIter(IRunnerContext runner, EvalIterArgs args) => Visualize(runner, args, "test");

    private void Visualize(IRunnerContext runner, EvalIterArgs args, string mode)
    {
        if (!Draw || !Distributed.Dist.IsMainProcess) return;
        var visualizer = runner.Visualizer ?? Visualizer.GetCurrentInstance();
        int start = args.BatchIndex * args.Batch.Count;
        for (int i = 0; i < args.Outputs.Count; i++)
        {
            int index = start + i;
            if (index % Interval != 0) continue;
            var image = ToImage(args.Batch.Inputs[i], mode, index);
            string name = $"{mode}_{index}";
            string? outFile = OutDir is null ? null : Path.Combine(Path.GetFullPath(OutDir, runner.LogDir), $"{name}_{runner.Iter}.png");
            visualizer.AddDatasample(name, image, args.Outputs[i], step: runner.Iter, rescaleFactor: RescaleFactor, outFile: outFile);
        }
    }

    /// <summary>A C×H×W image tensor as an RGB image.</summary>
    internal static VisImage ToImage(object input, string mode, int index)
    {
        if (input is not torch.Tensor tensor || tensor.dim() != 3 || tensor.shape[0] is not (1 or 3))
            throw new KilnException($"VisualizationHook: {mode} sample {index} is {(input is torch.Tensor bad ? $"a tensor of shape [{string.Join(", ", bad.shape)}]" : input.GetType().Name)}; it draws image tensors of shape C×H×W with 1 or 3 channels.");
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach().cpu();
        if (t.dtype != torch.ScalarType.Byte)
        {
            t = t.to(torch.ScalarType.Float32);
            double min = t.min().item<float>(), max = t.max().item<float>();
            t = min >= 0 && max <= 1 ? t * 255 : max > min ? (t - min) * (255 / (max - min)) : torch.zeros_like(t);
            t = t.round().clamp(0, 255);
        }
        if (t.shape[0] == 1) t = t.expand(3, -1, -1);
        return VisImage.FromTensor(t.permute(1, 2, 0));
    }
}
