using Kiln.Optim.Schedulers;

namespace Kiln.Cli;

/// <summary>Draws a <see cref="ScheduleTrace"/> into a PNG with ScottPlot: lr on the left axis, momentum and weight decay on the right.</summary>
internal static class SchedulePlot
{
    public static void Save(ScheduleTrace trace, string path)
    {
        var xs = Enumerable.Range(0, trace.Lr.Count).Select(i => (double)i).ToArray();
        var plot = new ScottPlot.Plot();
        var lr = plot.Add.ScatterLine(xs, trace.Lr.ToArray());
        lr.LegendText = "lr";
        if (trace.Momentum is { } momentum)
        {
            var m = plot.Add.ScatterLine(xs, momentum.ToArray());
            m.LegendText = "momentum";
            m.Axes.YAxis = plot.Axes.Right;
        }
        if (trace.WeightDecay is { } weightDecay)
        {
            var w = plot.Add.ScatterLine(xs, weightDecay.ToArray());
            w.LegendText = "weight_decay";
            w.Axes.YAxis = plot.Axes.Right;
        }
        plot.Axes.Bottom.Label.Text = "iteration";
        plot.Axes.Left.Label.Text = "lr";
        plot.Axes.Right.Label.Text = "momentum, weight_decay";
        plot.ShowLegend();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(path, 900, 500);
    }
}
