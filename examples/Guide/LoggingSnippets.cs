using Kiln.Logging;
using Kiln.Visualization;

namespace Kiln.Guide;

/// <summary>docs/guide/visualization-and-logging.md.</summary>
public static class LoggingSnippets
{
    [Snippet("visualizer")]
    public static void Draw()
    {
        #region guide:visualizer
        var visualizer = new Visualizer(name: "guide", image: VisImage.Filled(64, 64, (0, 0, 0)),
            visBackends: [new LocalVisBackend()], saveDir: "vis_demo");
        visualizer.DrawBboxes(new double[,] { { 8, 8, 40, 40 } }, edgeColors: "g", lineWidths: 2);
        visualizer.AddImage("demo", visualizer.GetImage(), step: 1);
        visualizer.AddScalars(new Dictionary<string, object> { ["loss"] = 0.5, ["acc"] = 90.0 }, step: 1);
        visualizer.Close();
        foreach (var file in Directory.GetFiles("vis_demo", "*", SearchOption.AllDirectories).Order())
            Console.WriteLine(Path.GetRelativePath("vis_demo", file).Replace('\\', '/'));
        Console.WriteLine($"same instance: {ReferenceEquals(Visualizer.GetInstance("guide"), visualizer)}");
        #endregion
    }

    [Snippet("message-hub")]
    public static void Hub()
    {
        #region guide:message-hub
        var hub = new MessageHub();
        foreach (var loss in new[] { 0.9, 0.7, 0.5, 0.3 })
            hub.UpdateScalar("train/loss", loss);
        var history = hub.GetScalar("train/loss");
        Console.WriteLine($"current {history.Current}, mean of last 2 {history.Mean(2)}, min {history.Min()}");
        #endregion
    }
}
