using System.Text.Json;
using Kiln.Config;
using Kiln.TestKit.Toy;
using Kiln.Visualization;

using Kiln.Tests.Visualization;

namespace Kiln.Tests.Runner;

/// <summary>RUN-14, VIS-04..06: the Runner's visualizer from config, its backends under log_dir/vis_data, the global instance.</summary>
public sealed class VisualizerTests : ToyRunnerTest
{
    private (string[] Files, Kiln.Runner Runner) TrainWith(object? visualizer)
    {
        var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, Guid.NewGuid().ToString("N")));
        if (visualizer is not null) cfg["visualizer"] = visualizer;
        var runner = Toy.Create(cfg);
        runner.Train();
        runner.Dispose();
        string dir = Path.Combine(runner.LogDir, "vis_data");
        var files = Directory.Exists(dir)
            ? Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!.Replace(runner.Timestamp, "TS")).Select(f => f.StartsWith("events.out.tfevents.", StringComparison.Ordinal) ? "events.out.tfevents.*" : f).Order(StringComparer.Ordinal).ToArray()
            : [];
        return (files, runner);
    }

    private static ConfigDict Visualizer(params object?[] backends) =>
        new() { ["type"] = "Visualizer", ["vis_backends"] = backends.ToList(), ["name"] = "visualizer" };

    [Fact]
    public void Default_And_LocalVisBackend_WriteScalarsAndConfig_VIS06()
    {
        // MMEngine's default visualizer is dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]);
        // build_visualizer then calls add_config, so vis_data/config.py appears beside the scalar files.
        Assert.Equal(["TS.json", "config.py", "scalars.json"], TrainWith(null).Files);
        Assert.Equal(["TS.json", "c.py", "s.json"], TrainWith(Visualizer(new ConfigDict { ["type"] = "LocalVisBackend", ["scalar_save_file"] = "s.json", ["config_save_file"] = "c.py" })).Files);
    }

    [Fact]
    public void ScalarLines_AreOneJsonObjectPerLoggedStep_WithStep()
    {
        var (_, runner) = TrainWith(null);
        var lines = File.ReadAllLines(Path.Combine(runner.LogDir, "vis_data", "scalars.json"));
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.True(doc.RootElement.TryGetProperty("step", out _), line);
        }
        Assert.Equal(lines, File.ReadAllLines(Path.Combine(runner.LogDir, "vis_data", runner.Timestamp + ".json")));
        Assert.Contains("work_dir", File.ReadAllText(Path.Combine(runner.LogDir, "vis_data", "config.py")));
    }

    [Fact]
    public void NoBackends_WritesNoFiles()
    {
        Assert.Empty(TrainWith(Visualizer()).Files);
    }

    [Fact]
    public void TensorboardBackend_WritesAnEventFileBesideTheLocalOne_VIS04()
    {
        var (files, runner) = TrainWith(Visualizer(new ConfigDict { ["type"] = "LocalVisBackend" }, new ConfigDict { ["type"] = "TensorboardVisBackend" }));
        Assert.Equal(["TS.json", "config.py", "events.out.tfevents.*", "scalars.json"], files);
        string events = Directory.GetFiles(Path.Combine(runner.LogDir, "vis_data"), "events.out.tfevents.*").Single();
        var records = TfRecordReader.Read(events);
        var scalarTags = records.SelectMany(r => r.Summary?.Value ?? []).Where(v => v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.SimpleValue).Select(v => v.Tag).ToHashSet();
        Assert.Contains("loss", scalarTags);
        Assert.Contains("lr", scalarTags);
        Assert.Contains(records, r => r.Summary?.Value.Any(v => v.Tag == "config/text_summary") == true);
    }

    [Fact]
    public void RunnerVisualizer_IsTheCurrentInstance_VIS05()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        using var runner = Toy.Create(cfg);
        Assert.Same(runner.Visualizer, Kiln.Visualization.Visualizer.GetCurrentInstance());
        Assert.Equal(runner.ExperimentName, runner.Visualizer.Name);
        Assert.Same(runner.Visualizer, Kiln.Visualization.Visualizer.GetInstance(runner.ExperimentName));
    }

    [Fact]
    public void UnavailableBackends_AndUnknownVisualizers_AreNamed()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["visualizer"] = Visualizer(new ConfigDict { ["type"] = "WandbVisBackend" });
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("visualizer.vis_backends[0].type = 'WandbVisBackend' is not available in Kiln", e.Message);

        cfg["visualizer"] = new ConfigDict { ["type"] = "DetLocalVisualizer" };
        e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("DetLocalVisualizer", e.Message);
    }
}
