using Kiln.Optim.Schedulers;

namespace Kiln.Cli;

/// <summary>Draws a <see cref="ScheduleTrace"/> into a PNG.</summary>
internal static class SchedulePlot
{
    public static void Save(ScheduleTrace trace, string path) =>
        throw new KilnException("--out is not built yet: ScottPlot is not available in this build; use --json.");
}
