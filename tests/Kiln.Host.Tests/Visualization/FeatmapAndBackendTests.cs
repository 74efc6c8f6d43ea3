using Kiln.TestKit;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Tests.Visualization;

/// <summary>VIS-03 draw_featmap, VIS-04 LocalVisBackend and TensorboardVisBackend files.</summary>
public sealed class FeatmapAndBackendTests
{
    private static readonly (byte, byte, byte) JetMin = (0, 0, 128), JetMax = (128, 0, 0);

    /// <summary>3×4×4: channel 0 all ones (sum 16), channel 1 a ramp 0..15 (sum 120), channel 2 zeros.</summary>
    private static torch.Tensor Featmap() => torch.stack([torch.ones(4, 4), torch.arange(16, dtype: torch.float32).reshape(4, 4), torch.zeros(4, 4)]);

    [Fact]
    public void Jet_EndsAndMiddle_AreOpenCvs()
    {
        Assert.Equal(JetMin, Visualizer.Jet(0));
        Assert.Equal(JetMax, Visualizer.Jet(255));
        var mid = Visualizer.Jet(128); // v = 0.502: cyan-yellow crossing, green saturated
        Assert.Equal(255, mid.G);
    }

    [Theory]
    [InlineData("squeeze_mean")]
    [InlineData("select_max")]
    public void ChannelReduction_NormalisesMinMaxToJet_VIS03(string reduction)
    {
        using var scope = torch.NewDisposeScope();
        var heat = Visualizer.DrawFeatmap(Featmap(), channelReduction: reduction);
        Assert.Equal((4, 4), (heat.Height, heat.Width));
        Assert.Equal(JetMin, heat[0, 0]);
        Assert.Equal(JetMax, heat[3, 3]);
    }

    [Fact]
    public void Overlay_BlendsWithAlpha_AndResizes()
    {
        using var scope = torch.NewDisposeScope();
        var white = VisImage.Filled(4, 4, (255, 255, 255));
        var heat = Visualizer.DrawFeatmap(Featmap(), white, alpha: 0.5);
        // cv2.addWeighted(255, 0.5, (0, 0, 128), 0.5): round(127.5) = 128, round(191.5) = 192
        Assert.Equal(((byte)128, (byte)128, (byte)192), heat[0, 0]);
        var big = Visualizer.DrawFeatmap(Featmap(), resizeShape: (8, 12));
        Assert.Equal((8, 12), (big.Height, big.Width));
        var toImage = Visualizer.DrawFeatmap(Featmap(), VisImage.Filled(8, 8, (0, 0, 0)));
        Assert.Equal((8, 8), (toImage.Height, toImage.Width));
    }

    [Fact]
    public void TopK_GridOrdersChannelsBySum()
    {
        using var scope = torch.NewDisposeScope();
        var grid = Visualizer.DrawFeatmap(Featmap(), channelReduction: null, topk: 2, arrangement: (1, 2));
        Assert.Equal((4, 8), (grid.Height, grid.Width));
        Assert.Equal(JetMin, grid[0, 0]);  // cell 0: channel 1, the ramp
        Assert.Equal(JetMax, grid[3, 3]);
        Assert.Equal(JetMin, grid[7, 3]);  // cell 1: channel 0, constant → all 0 → jet(0)
        var e = Assert.Throws<KilnException>(() => Visualizer.DrawFeatmap(Featmap(), channelReduction: null, topk: 3, arrangement: (1, 2)));
        Assert.Contains("is less than topk", e.Message);
        e = Assert.Throws<KilnException>(() => Visualizer.DrawFeatmap(torch.zeros(2, 4, 4), channelReduction: null, topk: 0));
        Assert.Contains("must be 1 or 3", e.Message);
        e = Assert.Throws<KilnException>(() => Visualizer.DrawFeatmap(Featmap(), channelReduction: "max"));
        Assert.Contains("Mode only support", e.Message);
    }

    [Fact]
    public void LocalVisBackend_WritesScalarsConfigAndImages_VIS04()
    {
        using var tmp = new TempDir();
        using var vis = new Visualizer("local", visBackends: [new LocalVisBackend()], saveDir: tmp.Path);
        string dir = Path.Combine(tmp.Path, "vis_data");
        Assert.False(Directory.Exists(dir)); // nothing until first use, as MMEngine's force_init_env
        vis.AddScalar("mAP", 0.6, step: 2);
        vis.AddScalars(new Dictionary<string, object> { ["loss"] = 0.5, ["acc"] = 0.8 }, step: 3, filePath: "extra.json");
        vis.AddConfig("a = 1\n");
        var img = VisImage.Filled(2, 3, (10, 20, 30));
        vis.AddImage("img", img, step: 7);
        Assert.Equal(["{\"mAP\":0.6,\"step\":2}", "{\"loss\":0.5,\"acc\":0.8,\"step\":3}"], File.ReadAllLines(Path.Combine(dir, "scalars.json")));
        Assert.Equal(["{\"loss\":0.5,\"acc\":0.8,\"step\":3}"], File.ReadAllLines(Path.Combine(dir, "extra.json")));
        Assert.Equal("a = 1\n", File.ReadAllText(Path.Combine(dir, "config.py")));
        Assert.Equal(img.Pixels, VisImage.Load(Path.Combine(dir, "vis_image", "img_7.png")).Pixels);
        var e = Assert.Throws<KilnException>(() => vis.AddScalars(new Dictionary<string, object> { ["x"] = 1.0 }, filePath: "scalars.json"));
        Assert.Contains("same name", e.Message);
        Assert.Throws<KilnException>(() => new LocalVisBackend(scalarSaveFile: "s.txt"));
    }

    [Fact]
    public void Visualizer_WithoutSaveDir_SkipsBackendsThatNeedOne()
    {
        using var vis = new Visualizer("nosave", visBackends: [new LocalVisBackend()]);
        Assert.Empty(vis.Backends);
        Assert.Equal(["LocalVisBackend"], vis.SkippedBackends);
    }

    [Fact]
    public void Crc32C_MatchesTheCastagnoliCheckValue()
    {
        var check = "123456789"u8;
        Assert.Equal(0xE3069283u, Crc32C.Compute(check));
        Assert.Equal(0xE3069283u, TfRecordReader.Crc32C(check));
    }

    [Fact]
    public void TensorboardEventFile_RecordsHaveValidCrcs_TagsStepsAndValues_VIS04()
    {
        using var tmp = new TempDir();
        var backend = new TensorboardVisBackend();
        using (var vis = new Visualizer("tb", visBackends: [backend], saveDir: tmp.Path))
        {
            vis.AddScalar("loss", 0.5, step: 3);
            vis.AddScalars(new Dictionary<string, object> { ["acc"] = 0.75, ["lr"] = 0.01, ["note"] = "skipped" }, step: 4);
            vis.AddImage("img", VisImage.Filled(2, 3, (200, 100, 50)), step: 5);
            vis.AddConfig("a = 1");
        }
        string file = backend.EventFile!;
        Assert.Equal(Path.Combine(tmp.Path, "vis_data"), Path.GetDirectoryName(file));
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(file));
        var events = TfRecordReader.Read(file);

        Assert.Equal("brain.Event:2", events[0].FileVersion);
        double now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(events, e => Assert.InRange(e.WallTime, now - 600, now + 60)); // seconds since 1970, not ticks

        var values = events.Skip(1).Select(e => (e.Step, Value: e.Summary.Value.Single())).ToList();
        Assert.Equal(["loss", "acc", "lr", "img", "config/text_summary"], values.Select(v => v.Value.Tag));
        Assert.Equal([3L, 4, 4, 5, 0], values.Select(v => v.Step));
        Assert.Equal(0.5f, values[0].Value.SimpleValue);
        Assert.Equal(0.75f, values[1].Value.SimpleValue);
        Assert.Equal(0.01f, values[2].Value.SimpleValue);
        var image = values[3].Value.Image;
        Assert.Equal((2, 3, 3), (image.Height, image.Width, image.Colorspace));
        string png = Path.Combine(tmp.Path, "decoded.png");
        File.WriteAllBytes(png, image.EncodedImageString.ToByteArray());
        Assert.Equal(((byte)200, (byte)100, (byte)50), VisImage.Load(png)[2, 1]);
        Assert.Equal("text", values[4].Value.Metadata.PluginData.PluginName);
        Assert.Equal("a = 1", values[4].Value.Tensor.StringVal.Single().ToStringUtf8());
    }
}
