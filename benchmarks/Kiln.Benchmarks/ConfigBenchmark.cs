using System.Diagnostics;
using System.Globalization;
using Kiln.Config;
using Kiln.TestKit;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>config [PASSES] [FILTER]</c>: loads every config of the test corpus (tests/Kiln.Host.Tests/Config/Corpus, the ones with an
/// expected JSON: real OpenMMLab configs and MMEngine's fixtures) with <see cref="Kiln.Config.Config.FromFile"/>, which reads,
/// parses, evaluates and merges the file and its whole <c>_base_</c> chain, in one process. The first pass includes
/// JIT warm-up; then PASSES warm passes (default 20). FILTER keeps only paths containing it. Prints mean and median milliseconds per config.
/// </summary>
internal static class ConfigBenchmark
{
    public static int Run(string[] args)
    {
        int passes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        string corpus = Path.Combine(RepoPaths.Root, "tests", "Kiln.Host.Tests", "Config", "Corpus");
        var files = Directory.EnumerateFiles(corpus, "*.expected.json", SearchOption.AllDirectories)
            .Select(f => f[..^".expected.json".Length])
            .Where(f => args.Length < 2 || f.Contains(args[1], StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var options = new ConfigLoadOptions { GetEnvironmentVariable = _ => null };
        int baseFiles = 0;

        var process = System.Diagnostics.Process.GetCurrentProcess();
        var first = new List<double>(files.Count);
        var cpu0 = process.TotalProcessorTime;
        foreach (string file in files)
        {
            long t0 = Stopwatch.GetTimestamp();
            var cfg = Kiln.Config.Config.FromFile(file, options);
            first.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            baseFiles += cfg.Text.Split('\n').Count(line => line.StartsWith(corpus, StringComparison.Ordinal)) - 1;
        }

        process.Refresh();
        double firstCpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        var warm = new List<double>(files.Count * passes);
        long total0 = Stopwatch.GetTimestamp();
        cpu0 = process.TotalProcessorTime;
        for (int p = 0; p < passes; p++)
        {
            foreach (string file in files)
            {
                long t0 = Stopwatch.GetTimestamp();
                Kiln.Config.Config.FromFile(file, options);
                warm.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        double warmTotal = Stopwatch.GetElapsedTime(total0).TotalMilliseconds;
        process.Refresh();
        double warmCpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;

        Console.WriteLine($"Config.FromFile over the config corpus: {files.Count} configs, which pull in {baseFiles} base files " +
            $"({(files.Count + baseFiles) / (double)files.Count:F1} files read per config); {Environment.ProcessorCount} cores, one thread");
        Console.WriteLine();
        Console.WriteLine("| pass | configs loaded | mean ms/config | median ms/config | p90 ms/config | CPU ms/config |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(Row("first (cold, incl. JIT)", first, firstCpu));
        Console.WriteLine(Row($"warm ({passes} passes)", warm, warmCpu));
        Console.WriteLine();
        Console.WriteLine("ms columns are wall-clock per Config.FromFile call; CPU ms/config is the process's CPU time for the pass " +
            $"divided by the configs loaded (all threads: JIT and GC included), which stays meaningful on a loaded machine (load average now {LoadAverage()}).");
        Console.WriteLine();
        Console.WriteLine($"warm throughput: {warm.Count / (warmTotal / 1000):F0} configs/s");
        Console.WriteLine();
        Console.WriteLine("slowest configs (warm median ms):");
        foreach (var (file, ms) in files.Select((f, i) => (f, Enumerable.Range(0, passes).Select(p => warm[p * files.Count + i]).Order().ElementAt(passes / 2)))
                     .OrderByDescending(x => x.Item2).Take(5))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,8:F3}  {Path.GetRelativePath(corpus, file)}"));
        return 0;
    }

    private static string Row(string name, List<double> ms, double cpuMs)
    {
        var sorted = ms.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {ms.Count} | {ms.Average():F3} | {sorted[sorted.Count / 2]:F3} | {sorted[(int)(sorted.Count * 0.9)]:F3} | {cpuMs / ms.Count:F3} |");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
