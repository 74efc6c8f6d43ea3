using System.Diagnostics;
using System.Text;

namespace Kiln.TestKit;

/// <summary>
/// Runs <c>kiln</c> (the kiln.dll beside the test binary, plugins included) as N ranks under Open MPI's
/// <c>mpirun --allow-run-as-root --oversubscribe</c>, capturing output, with a wall-clock limit.
/// </summary>
public sealed record MpiRun(int ExitCode, string Output, TimeSpan Elapsed, bool TimedOut)
{
    /// <summary>Why the distributed tests cannot run here, or null when mpirun and libmpi are present.</summary>
    public static string? Unavailable { get; } = Probe();

    public static string KilnDll => Path.Combine(AppContext.BaseDirectory, "kiln.dll");

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "the MPI transport is built for Linux with Open MPI.";
        if (FindOnPath("mpirun") is null) return "mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev; .ci/run does this as root).";
        if (!Distributed.MpiProcessGroup.IsAvailable(out var reason)) return reason;
        if (!File.Exists(KilnDll)) return $"{KilnDll} is missing.";
        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// <c>mpirun -np <paramref name="ranks"/> dotnet kiln.dll ARGS</c> in <paramref name="workingDirectory"/>.
    /// <paramref name="whileRunning"/> gets mpirun's process and the output so far, once a second, until it returns true.
    /// <paramref name="threadsPerRank"/> sets OMP_NUM_THREADS for every rank.
    /// </summary>
    public static MpiRun Invoke(int ranks, IEnumerable<string> kilnArgs, TimeSpan timeout, string? workingDirectory = null,
        Func<Process, string, bool>? whileRunning = null, int? threadsPerRank = null)
    {
        var start = new ProcessStartInfo("mpirun")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-run-as-root", "--oversubscribe" })
            start.ArgumentList.Add(a);
        if (threadsPerRank is { } t)
        {
            start.ArgumentList.Add("-x");
            start.ArgumentList.Add($"OMP_NUM_THREADS={t}");
        }
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(KilnDll);
        foreach (var a in kilnArgs) start.ArgumentList.Add(a);

        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool watching = whileRunning is not null;
        while (!process.WaitForExit(watching ? 1000 : (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds)))
        {
            if (watch.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new MpiRun(-1, Snapshot(output), watch.Elapsed, true);
            }
            if (watching) watching = !whileRunning!(process, Snapshot(output));
        }
        process.WaitForExit();
        return new MpiRun(process.ExitCode, Snapshot(output), watch.Elapsed, false);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    /// <summary>The PIDs of the ranks mpirun <paramref name="mpirunPid"/> started, by rank (from OMPI_COMM_WORLD_RANK).</summary>
    public static Dictionary<int, int> RankPids(int mpirunPid)
    {
        var result = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) != mpirunPid) continue;
                var env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                var rank = env.FirstOrDefault(e => e.StartsWith("OMPI_COMM_WORLD_RANK=", StringComparison.Ordinal));
                if (rank is not null) result[int.Parse(rank["OMPI_COMM_WORLD_RANK=".Length..], System.Globalization.CultureInfo.InvariantCulture)] = pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }
}
