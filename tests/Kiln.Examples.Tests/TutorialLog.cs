using System.Reflection;
using System.Text.RegularExpressions;
using Kiln.TestKit;

namespace Kiln.Examples.Tests;

/// <summary>Reads a run's text log (work_dir/&lt;timestamp&gt;/&lt;timestamp&gt;.log) and finds the example programs' build folders.</summary>
internal static class TutorialLog
{
    /// <summary>The lines of the only run logged under <paramref name="workDir"/>, without the date and level prefix.</summary>
    public static string[] Messages(string workDir)
    {
        var logs = Directory.GetFiles(workDir, "*.log", SearchOption.AllDirectories);
        Assert.True(logs.Length == 1, $"expected one log under {workDir}, found {logs.Length}");
        return File.ReadAllLines(logs[0])
            .Select(l => l.IndexOf(" - INFO - ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 10)..] : l)
            .ToArray();
    }

    /// <summary>Epoch(train)/Epoch(val) lines without the clock-dependent fields (eta, time, data_time).</summary>
    public static string[] ProgressLines(string workDir) => Messages(workDir)
        .Where(l => l.StartsWith("Epoch(", StringComparison.Ordinal))
        .Select(l => Regex.Replace(l, @"\s*(eta: \S+|time: \S+|data_time: \S+)", ""))
        .ToArray();

    /// <summary>The build folder of an example program for this build's configuration (it doubles as a plugin folder).</summary>
    public static string ExampleBuildFolder(string project)
    {
        string configuration = typeof(TutorialLog).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string folder = Path.Combine(RepoPaths.Root, "examples", project, "bin", configuration, "net10.0");
        Assert.True(Directory.Exists(folder), $"{folder} does not exist; build the solution first.");
        return folder;
    }
}
