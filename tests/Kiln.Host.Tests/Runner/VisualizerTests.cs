using Kiln.Config;
using Kiln.TestKit.Toy;

namespace Kiln.Tests.Runner;

/// <summary>RUN-14 visualizer: the base Visualizer with LocalVisBackend receives the scalars; the rest is named as not built.</summary>
public sealed class VisualizerTests : ToyRunnerTest
{
    private string[] TrainWith(object? visualizer)
    {
        var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, Guid.NewGuid().ToString("N")));
        if (visualizer is not null) cfg["visualizer"] = visualizer;
        using var runner = Toy.Create(cfg);
        runner.Train();
        string dir = Path.Combine(runner.LogDir, "vis_data");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!.Replace(runner.Timestamp, "TS")).Order(StringComparer.Ordinal).ToArray() : [];
    }

    private static ConfigDict Visualizer(params object?[] backends) =>
        new() { ["type"] = "Visualizer", ["vis_backends"] = backends.ToList(), ["name"] = "visualizer" };

    [Fact]
    public void Default_And_LocalVisBackend_WriteScalars()
    {
        // MMEngine's default visualizer is dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]).
        Assert.Equal(["TS.json", "scalars.json"], TrainWith(null));
        Assert.Equal(["TS.json", "s.json"], TrainWith(Visualizer(new ConfigDict { ["type"] = "LocalVisBackend", ["scalar_save_file"] = "s.json" })));
    }

    [Fact]
    public void NoBackends_WritesNoScalarFiles()
    {
        Assert.Empty(TrainWith(Visualizer()));
    }

    [Fact]
    public void TensorboardBackend_AndDrawingVisualizer_AreNamedAsNotBuilt()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["visualizer"] = Visualizer(new ConfigDict { ["type"] = "TensorboardVisBackend" });
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("visualizer.vis_backends[0].type = 'TensorboardVisBackend': only LocalVisBackend is built yet", e.Message);

        cfg["visualizer"] = new ConfigDict { ["type"] = "DetLocalVisualizer" };
        e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("visualizer.type = 'DetLocalVisualizer': only the base 'Visualizer'", e.Message);
    }
}
