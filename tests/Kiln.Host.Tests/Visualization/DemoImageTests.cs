using Kiln.TestKit;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Tests.Visualization;

/// <summary>
/// Issue 7 "show it": a drawn image with boxes, labels, a polygon and a mask, and a feature-map grid. With
/// <c>KILN_WRITE_DOCS_IMAGES=1</c> the test also writes them to <c>docs/images/visualizer-demo.png</c> and
/// <c>docs/images/featmap-demo.png</c> (how those files are regenerated).
/// </summary>
public sealed class DemoImageTests
{
    private static bool WriteDocs => Environment.GetEnvironmentVariable("KILN_WRITE_DOCS_IMAGES") == "1";

    internal static VisImage DrawDemo()
    {
        const int h = 240, w = 320;
        var background = new VisImage(h, w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                background[x, y] = ((byte)(30 + x * 60 / w), (byte)(40 + y * 60 / h), 90);
        using var vis = new Visualizer("demo", background);
        var mask = new bool[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                mask[y, x] = (x - 240) * (x - 240) + (y - 170) * (y - 170) < 45 * 45;
        vis.DrawBinaryMasks(mask, colors: (255, 64, 64), alphas: 0.6)
           .DrawBboxes(new double[,] { { 20, 30, 140, 150 }, { 190, 120, 290, 220 } }, edgeColors: new[] { "lime", "r" }, lineWidths: 3.0)
           .DrawTexts(new[] { "cat 0.97", "ball 0.88" }, new double[,] { { 20, 30 }, { 190, 120 } }, colors: "w", verticalAlignments: "bottom",
                bboxes: new[] { new TextBox("lime", 0.8, 1), new TextBox("r", 0.8, 1) })
           .DrawPolygons(new double[,] { { 170, 20 }, { 300, 35 }, { 280, 95 }, { 190, 80 } }, edgeColors: "yellow", faceColors: "yellow", alpha: 0.35)
           .DrawCircles(new double[,] { { 80, 90 } }, new double[] { 25 }, edgeColors: "c", lineWidths: 2.0)
           .DrawPoints(new double[,] { { 70, 80 }, { 90, 80 }, { 80, 100 } }, colors: "w")
           .DrawLines(new double[] { 20, 140 }, new double[] { 200, 200 }, colors: "m", lineStyles: "--");
        return vis.GetImage();
    }

    internal static VisImage DrawFeatmapDemo()
    {
        using var scope = torch.NewDisposeScope();
        // 8 channels of 32×32 Gaussian blobs at different places and strengths
        var ys = torch.arange(32, dtype: torch.float32).reshape(32, 1);
        var xs = torch.arange(32, dtype: torch.float32).reshape(1, 32);
        var channels = Enumerable.Range(0, 8).Select(c =>
        {
            double cx = 4 + c * 3.5, cy = 28 - c * 3, s = 3 + c % 3 * 2;
            return ((xs - cx).pow(2) + (ys - cy).pow(2)).neg().div(2 * s * s).exp() * (1 + c * 0.25);
        }).ToArray();
        var featmap = torch.stack(channels);
        return Visualizer.DrawFeatmap(featmap, channelReduction: null, topk: 8, arrangement: (2, 4), resizeShape: (128, 128));
    }

    [Fact]
    public void Demo_BoxesLabelsPolygonMaskAndCircle_HaveTheirColours()
    {
        var img = DrawDemo();
        Assert.Equal((240, 320), (img.Height, img.Width));
        // the red box's edge (alpha 0.8 over the mask-free background) is dominated by red
        var edge = img[290, 170];
        Assert.True(edge.R > 200 && edge.G < 80, $"red box edge {edge}");
        // inside the mask, away from the box edges: (pixel * 0.4 + (255, 64, 64) * 0.6)
        var bg = (R: 30 + 240 * 60 / 320, G: 40 + 170 * 60 / 240, B: 90);
        var inMask = img[240, 170];
        Assert.Equal(((byte)Math.Round(bg.R * 0.4 + 255 * 0.6), (byte)Math.Round(bg.G * 0.4 + 64 * 0.6), (byte)Math.Round(bg.B * 0.4 + 64 * 0.6)), inMask);
        // the polygon's translucent yellow fill raises red and green over blue
        var poly = img[240, 55];
        Assert.True(poly.R > 120 && poly.G > 120 && poly.B < 110, $"polygon fill {poly}");
        // the label box above the lime box is lime-coloured at its left end
        var label = img[21, 26];
        Assert.True(label.G > 200 && label.R < 100, $"label box {label}");
        if (WriteDocs) img.SavePng(Path.Combine(RepoPaths.Root, "docs", "images", "visualizer-demo.png"));
    }

    [Fact]
    public void Demo_FeatmapGrid_HasEightCells()
    {
        var grid = DrawFeatmapDemo();
        Assert.Equal((256, 512), (grid.Height, grid.Width));
        // every cell's darkest corner is jet's low end (dark blue) and some pixel reaches the red end
        for (int cell = 0; cell < 8; cell++)
        {
            int top = cell / 4 * 128, left = cell % 4 * 128;
            var pixels = Enumerable.Range(0, 128 * 128).Select(p => grid[left + p % 128, top + p / 128]).ToList();
            Assert.Contains(pixels, p => p.R == 0 && p.G == 0 && p.B >= 128);
            Assert.Contains(pixels, p => p.R >= 128 && p.G < 30 && p.B == 0);
        }
        if (WriteDocs) grid.SavePng(Path.Combine(RepoPaths.Root, "docs", "images", "featmap-demo.png"));
    }
}
