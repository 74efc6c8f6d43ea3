using Kiln.Hooks;
using Kiln.Structures;
using Kiln.TestKit;
using Kiln.Tests.Logging;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Tests.Visualization;

/// <summary>The visualization hook: every interval-th val/test sample drawn and stored through the current visualizer.</summary>
public sealed class VisualizationHookTests
{
    private static EvalIterArgs Batch(int batchIndex, int size)
    {
        var inputs = Enumerable.Range(0, size).Select(i => (object)torch.full(1, 8, 8, (byte)(i * 30), torch.ScalarType.Byte)).ToList();
        var outputs = Enumerable.Range(0, size).Select(i => new DataSample { GtLabel = i, PredLabel = i, PredScore = [1f] }).ToList();
        return new EvalIterArgs(batchIndex, new DataBatch(inputs, outputs.Cast<DataSample?>().ToList()), outputs);
    }

    [Fact]
    public void Draw_SavesEveryIntervalthSample_ThroughTheCurrentVisualizer()
    {
        using var tmp = new TempDir();
        using var scope = torch.NewDisposeScope();
        using var vis = new Visualizer("hook-test", visBackends: [new LocalVisBackend()], saveDir: tmp.Path);
        var runner = new FakeRunnerContext { Iter = 12 };
        var hook = new VisualizationHook(draw: true, interval: 3, rescaleFactor: 8);
        hook.AfterValIter(runner, Batch(0, 4));  // samples 0..3 → 0, 3
        hook.AfterValIter(runner, Batch(1, 4));  // samples 4..7 → 6
        hook.AfterTestIter(runner, Batch(0, 2)); // samples 0..1 → 0
        string dir = Path.Combine(tmp.Path, "vis_data", "vis_image");
        Assert.Equal(["test_0_12.png", "val_0_12.png", "val_3_12.png", "val_6_12.png"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var img = VisImage.Load(Path.Combine(dir, "val_3_12.png"));
        Assert.Equal((64, 64), (img.Height, img.Width));
        Assert.Equal(((byte)90, (byte)90, (byte)90), img[63, 63]); // input 3 was filled with 90; the corner has no label
    }

    [Fact]
    public void DrawFalse_DoesNothing_AndBadInputsAreNamed()
    {
        using var tmp = new TempDir();
        using var scope = torch.NewDisposeScope();
        using var vis = new Visualizer("hook-test-2", visBackends: [new LocalVisBackend()], saveDir: tmp.Path);
        new VisualizationHook().AfterValIter(new FakeRunnerContext(), Batch(0, 2));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "vis_data")));
        var e = Assert.Throws<KilnException>(() => VisualizationHook.ToImage(torch.zeros(2), "val", 5));
        Assert.Contains("val sample 5 is a tensor of shape [2]", e.Message);
        Assert.Throws<KilnException>(() => new VisualizationHook(show: true));
    }

    [Fact]
    public void FloatInputs_AreScaledToBytes()
    {
        using var scope = torch.NewDisposeScope();
        var img = VisualizationHook.ToImage(torch.full(3, 2, 2, 0.5f), "val", 0);
        Assert.Equal(((byte)128, (byte)128, (byte)128), img[1, 1]);
    }
}
