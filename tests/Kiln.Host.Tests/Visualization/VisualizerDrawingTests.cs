using Kiln.TestKit;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Tests.Visualization;

/// <summary>VIS-01, VIS-02: the drawing API, checked by the colours of specific pixels.</summary>
public sealed class VisualizerDrawingTests
{
    private static readonly (byte, byte, byte) Grey = (40, 40, 40);

    private static Visualizer Canvas() => new("drawing-test", VisImage.Filled(120, 160, Grey));

    [Fact]
    public void Bboxes_FillAndEdge_VIS01()
    {
        using var vis = Canvas();
        vis.DrawBboxes(new double[] { 10, 10, 60, 50 }, edgeColors: "r", faceColors: (0, 0, 255), alpha: 1.0);
        var img = vis.GetImage();
        Assert.Equal(((byte)0, (byte)0, (byte)255), img[35, 30]);   // inside: face colour
        Assert.Equal(((byte)255, (byte)0, (byte)0), img[10, 30]);   // on the left edge (2 pt = 2.8 px wide)
        Assert.Equal(((byte)255, (byte)0, (byte)0), img[35, 50]);   // on the bottom edge
        Assert.Equal(Grey, img[70, 30]);                           // outside
    }

    [Fact]
    public void DefaultBbox_IsMatplotlibGreen_WithAlpha08_AndNoFace()
    {
        using var vis = Canvas();
        vis.DrawBboxes(new double[,] { { 10, 10, 60, 50 } });
        var img = vis.GetImage();
        // 'g' = (0, 0.5, 0) → (0, 128, 0), blended at alpha 0.8 over grey 40: 40*0.2 + c*0.8
        var (r, g, b) = img[10, 30];
        Assert.InRange(r, 7, 9);
        Assert.InRange(g, 109, 111);
        Assert.InRange(b, 7, 9);
        Assert.Equal(Grey, img[35, 30]); // face 'none'
    }

    [Fact]
    public void BinaryMask_BlendsAsOpenCvAddWeighted()
    {
        using var vis = Canvas();
        var mask = new bool[120, 160];
        for (int y = 60; y < 100; y++) for (int x = 100; x < 140; x++) mask[y, x] = true;
        vis.DrawBinaryMasks(mask, colors: "g", alphas: 0.5);
        var img = vis.GetImage();
        // color_str2rgb('g') = (0, 127, 0); round(40*0.5 + 127*0.5) = round(83.5) = 84, round(20) = 20
        Assert.Equal(((byte)20, (byte)84, (byte)20), img[120, 80]);
        Assert.Equal(Grey, img[99, 80]);
        Assert.Equal(Grey, img[120, 100]);
    }

    [Fact]
    public void BinaryMask_RejectsNonBoolAndWrongShape()
    {
        using var vis = Canvas();
        var e = Assert.Throws<KilnException>(() => vis.DrawBinaryMasks(torch.zeros(120, 160)));
        Assert.Contains("The dtype of binary_masks should be bool", e.Message);
        e = Assert.Throws<KilnException>(() => vis.DrawBinaryMasks(torch.zeros([10, 10], torch.ScalarType.Bool)));
        Assert.Contains("must have the same shape as the image (120, 160)", e.Message);
    }

    [Fact]
    public void Polygons_Circles_Lines_Points()
    {
        using var vis = Canvas();
        vis.DrawPolygons(new double[,] { { 80, 10 }, { 120, 10 }, { 100, 50 } }, edgeColors: "y", faceColors: "y", alpha: 1.0)
           .DrawCircles(new double[] { 80, 90 }, new double[] { 8 }, edgeColors: "c", faceColors: "c", alpha: 1.0)
           .DrawLines(new double[] { 0, 159 }, new double[] { 115, 115 }, colors: "m")
           .DrawPoints(new double[] { 150, 10 }, colors: "b");
        var img = vis.GetImage();
        Assert.Equal(((byte)191, (byte)191, (byte)0), img[100, 25]);  // 'y' = (0.75, 0.75, 0)
        Assert.Equal(((byte)0, (byte)191, (byte)191), img[80, 90]);   // 'c'
        Assert.Equal(((byte)191, (byte)0, (byte)191), img[40, 115]);  // 'm', line width 2 pt
        Assert.Equal(((byte)0, (byte)0, (byte)255), img[150, 10]);    // 'b' point
        Assert.Equal(Grey, img[40, 100]);
    }

    [Fact]
    public void Texts_AreRendered_WithABackgroundBox()
    {
        using var vis = Canvas();
        vis.DrawTexts("Kiln", new double[] { 20, 20 }, fontSizes: 20, colors: "w", bboxes: new TextBox(FaceColor: "k", Alpha: 1.0, Pad: 2));
        var img = vis.GetImage();
        Assert.Equal(((byte)0, (byte)0, (byte)0), img[19, 21]); // the box, just inside its top-left
        int white = 0;
        for (int y = 20; y < 50; y++) for (int x = 20; x < 80; x++) if (img[x, y].R > 200) white++;
        Assert.True(white > 20, $"expected glyph pixels, found {white}");
    }

    [Fact]
    public void Colors_ByNameTupleAndList_AndErrorsNameTheValue()
    {
        Assert.Equal((0.0, 0.5, 0.0), VisColor.ToFractions("g", "colors"));
        Assert.Equal(((byte)0, (byte)127, (byte)0), VisColor.ToRgb("g", "colors"));
        Assert.Equal(((byte)1, (byte)2, (byte)3), VisColor.ToRgb((1, 2, 3), "colors"));
        Assert.Null(VisColor.ToFractions("none", "face_colors"));
        var e = Assert.Throws<KilnException>(() => VisColor.ToFractions("grean", "edge_colors"));
        Assert.Contains("edge_colors = 'grean'", e.Message);
        e = Assert.Throws<KilnException>(() => VisColor.ToRgb((1, 2, 300), "colors"));
        Assert.Contains("0..255", e.Message);
        using var vis = Canvas();
        e = Assert.Throws<KilnException>(() => vis.DrawTexts(new[] { "a", "b" }, new double[,] { { 1, 1 }, { 2, 2 } }, colors: new[] { "r" }));
        Assert.Contains("The length of colors must equal with or greater than 2, but got 1", e.Message);
        e = Assert.Throws<KilnException>(() => vis.DrawBboxes(new double[] { 50, 10, 10, 20 }));
        Assert.Contains("x1 <= x2", e.Message);
    }

    [Fact]
    public void DefaultFontSize_IsMMEngines()
    {
        using var small = new Visualizer("f1", VisImage.Filled(28, 28, Grey));
        Assert.Equal(10, small.DefaultFontSize);
        using var big = new Visualizer("f2", VisImage.Filled(1800, 1800, Grey));
        Assert.Equal(20, big.DefaultFontSize); // sqrt(1800*1800) // 90
    }

    [Fact]
    public void Instances_CurrentIsTheLatest_GetInstanceCreatesOrReturns_VIS05()
    {
        var a = new Visualizer("inst-a");
        var b = new Visualizer("inst-b");
        Assert.Same(b, Visualizer.GetCurrentInstance());
        Assert.Same(a, Visualizer.GetInstance("inst-a"));
        Assert.True(Visualizer.CheckInstanceCreated("inst-b"));
        var c = Visualizer.GetInstance("inst-c-" + Guid.NewGuid());
        Assert.Same(c, Visualizer.GetCurrentInstance());
    }

    [Fact]
    public void AddDatasample_DrawsLabels_AndSavesThroughBackends()
    {
        using var tmp = new TempDir();
        using var vis = new Visualizer("ds", visBackends: [new LocalVisBackend()], saveDir: tmp.Path)
        {
            DatasetMeta = new Dictionary<string, object?> { ["classes"] = new List<object?> { "zero", "one", "two" } },
        };
        var sample = new Kiln.Structures.DataSample { GtLabel = 2, PredLabel = 1, PredScore = [0.1f, 0.7f, 0.2f] };
        var drawn = vis.AddDatasample("val_img", VisImage.Filled(28, 28, (0, 0, 0)), sample, step: 3, rescaleFactor: 8);
        Assert.Equal(224, drawn.Width);
        string file = Path.Combine(tmp.Path, "vis_data", "vis_image", "val_img_3.png");
        Assert.True(File.Exists(file));
        var saved = VisImage.Load(file);
        Assert.Equal(drawn.Pixels, saved.Pixels);
        Assert.Contains(Enumerable.Range(0, 224 * 40), p => saved.Pixels[p * 3] > 200); // white label text near the top
        Assert.Throws<KilnException>(() => vis.AddDatasample("x", VisImage.Filled(8, 8, Grey), show: true));
    }
}
