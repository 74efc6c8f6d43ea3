using Kiln.Gan.Models;
using Kiln.Hooks;
using Kiln.Registry;
using Kiln.Visualization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Gan.Hooks;

/// <summary>
/// Draws what the GAN's generator makes of a fixed set of noise vectors as one PNG grid (the tutorial's "view the
/// results", T2.8): before the first training iteration, every <c>interval</c> iterations and after the last. The noise
/// comes from its own generator seeded with <c>seed</c>, so every grid of a run (and of a resumed run) shows the same
/// <c>num_samples</c> inputs. The generator runs without gradients; with <c>batch_stats=True</c> (the default; the
/// PyTorch-GAN original of the tutorial saves samples made in train mode) its BatchNorm layers normalise with the
/// statistics of the sample batch, and their running statistics are put back afterwards, so drawing changes nothing
/// in the model; with <c>batch_stats=False</c> it runs in eval mode (running statistics). Images are laid out
/// <c>nrow</c> per row with <c>padding</c> black pixels between them, as torchvision's <c>save_image</c>; with
/// <c>normalize=True</c> (the default, as the PyTorch-GAN original saves its samples) the grid's lowest value becomes
/// black and its highest white, so the faint output of an untrained generator is visible; with <c>normalize=False</c>
/// the generator's range [-1, 1] maps to 0–255.
/// The grid goes to the run's visualizer as <c>gan_samples</c> at step <c>iter</c> (LocalVisBackend:
/// <c>work_dir/&lt;timestamp&gt;/vis_data/vis_image/gan_samples_&lt;iter&gt;.png</c>), or, with <c>out_dir</c>,
/// to <c>out_dir/gan_samples_&lt;iter&gt;.png</c> (a relative <c>out_dir</c> is under <c>work_dir/&lt;timestamp&gt;</c>).
/// Only the main process draws.
/// </summary>
/// <example><code>custom_hooks = [dict(type='GanSampleHook', interval=500, num_samples=64, nrow=8, seed=0)]</code></example>
[Register(Registries.Hooks)]
public sealed class GanSampleHook : Hook
{
    private int _lastStep = -1;

    public GanSampleHook(int interval = 1000, int numSamples = 64, int nrow = 8, int seed = 0, int padding = 2, string? outDir = null, bool batchStats = true, bool normalize = true)
    {
        if (interval < 1) throw new KilnException($"GanSampleHook.interval = {interval} must be a positive number of iterations.");
        if (numSamples < 1) throw new KilnException($"GanSampleHook.num_samples = {numSamples} must be positive.");
        if (nrow < 1) throw new KilnException($"GanSampleHook.nrow = {nrow} must be positive (images per row).");
        if (batchStats && numSamples < 2)
            throw new KilnException($"GanSampleHook.num_samples = {numSamples}: batch_stats=True needs at least 2 samples for BatchNorm's batch statistics; draw more or set batch_stats=False.");
        if (padding < 0) throw new KilnException($"GanSampleHook.padding = {padding} must be 0 or more pixels.");
        Interval = interval;
        NumSamples = numSamples;
        Nrow = nrow;
        Seed = seed;
        Padding = padding;
        OutDir = outDir;
        BatchStats = batchStats;
        Normalize = normalize;
    }

    /// <summary>Stretch the grid's values from their minimum and maximum to 0–255 (torchvision's <c>normalize=True</c>).</summary>
    public bool Normalize { get; }

    /// <summary>Normalise with the sample batch's statistics (train mode, buffers restored) rather than the running ones.</summary>
    public bool BatchStats { get; }

    public int Interval { get; }

    public int NumSamples { get; }

    public int Nrow { get; }

    public int Seed { get; }

    public int Padding { get; }

    public string? OutDir { get; }

    /// <summary>Where each grid was written, in order (empty where the visualizer's backends store them).</summary>
    public IReadOnlyList<string> Written => _written;

    private readonly List<string> _written = [];

    public override int Priority => HookPriority.Normal;

    public override void BeforeTrain(IRunnerContext runner) => Sample(runner, runner.Iter);

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        int done = runner.Iter + 1;
        if (done % Interval == 0 || done == runner.MaxIters) Sample(runner, done);
    }

    private void Sample(IRunnerContext runner, int step)
    {
        if (step == _lastStep || !Distributed.Dist.IsMainProcess) return;
        _lastStep = step;
        var gan = runner.Model as GanModel
            ?? throw new KilnException($"GanSampleHook draws a GAN's samples, but the model is a {runner.Model.GetType().Name}; use model=dict(type='GAN', ...).");
        var grid = Draw(gan);
        if (OutDir is null)
        {
            var visualizer = runner.Visualizer ?? Visualizer.GetCurrentInstance();
            visualizer.AddImage("gan_samples", grid, step);
        }
        else
        {
            string path = Path.Combine(Path.GetFullPath(OutDir, runner.LogDir), $"gan_samples_{step}.png");
            grid.SavePng(path);
            _written.Add(path);
        }
        runner.Logger.LogDebug("GanSampleHook: drew {Count} samples at iteration {Step}", NumSamples, step);
    }

    /// <summary>The grid of the generator's images for this hook's fixed noise.</summary>
    public VisImage Draw(GanModel gan)
    {
        ArgumentNullException.ThrowIfNull(gan);
        float[] pixels;
        long[] shape;
        using (NewDisposeScope())
        {
            var generator = gan.Generator;
            bool wasTraining = generator.training;
            var device = gan.parameters().FirstOrDefault()?.device ?? CPU;
            var rng = new torch.Generator((ulong)Seed);
            var z = randn([NumSamples, gan.NoiseSize], generator: rng).to(device);
            using var noGrad = no_grad();
            // Train-mode BatchNorm updates its running statistics: keep copies and put them back.
            var saved = BatchStats ? generator.named_buffers().Select(b => (b.buffer, b.buffer.clone())).ToList() : [];
            generator.train(BatchStats);
            try
            {
                var images = generator.call(z).detach().cpu().to(float32);
                shape = images.shape;
                pixels = images.contiguous().data<float>().ToArray();
            }
            finally
            {
                foreach (var (buffer, copy) in saved) buffer.copy_(copy);
                generator.train(wasTraining);
                rng.Dispose();
            }
        }
        return Grid(pixels, shape, Nrow, Padding, Normalize);
    }

    /// <summary>
    /// torchvision's <c>make_grid</c> (pad value 0) of N images (N × C × H × W, C 1 or 3) as an RGB image: <c>nrow</c>
    /// images per row, <c>padding</c> pixels around each. Values in [-1, 1] map to 0–255, or with
    /// <paramref name="normalize"/> the range [min, max] of all values does (make_grid's <c>normalize=True</c>).
    /// </summary>
    internal static VisImage Grid(float[] pixels, long[] shape, int nrow, int padding, bool normalize = false)
    {
        double low = -1, high = 1;
        if (normalize && pixels.Length > 0)
        {
            low = pixels.Min();
            high = pixels.Max();
        }
        double scale = 255 / Math.Max(high - low, 1e-5);
        if (shape.Length != 4 || shape[1] is not (1 or 3))
            throw new KilnException($"GanSampleHook: the generator made images of shape [{string.Join(", ", shape)}]; it draws N×C×H×W images with 1 or 3 channels.");
        int n = (int)shape[0], c = (int)shape[1], h = (int)shape[2], w = (int)shape[3];
        int cols = Math.Min(nrow, n), rows = (n + cols - 1) / cols;
        int height = rows * (h + padding) + padding, width = cols * (w + padding) + padding;
        var image = new VisImage(height, width);
        for (int k = 0; k < n; k++)
        {
            int top = padding + k / cols * (h + padding), left = padding + k % cols * (w + padding);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int at = ((top + y) * width + left + x) * 3;
                    for (int ch = 0; ch < 3; ch++)
                    {
                        float v = pixels[((k * c + (c == 1 ? 0 : ch)) * h + y) * w + x];
                        image.Pixels[at + ch] = (byte)Math.Clamp(Math.Round((v - low) * scale), 0, 255);
                    }
                }
        }
        return image;
    }
}
