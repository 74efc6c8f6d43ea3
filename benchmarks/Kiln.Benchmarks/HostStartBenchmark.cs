using System.Diagnostics;
using System.Globalization;
using Kiln.Hosting;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>hoststart [PROCESSES]</c>: how long a host takes from <c>KilnHost.Create</c> to "ready" (the three bundled
/// plugins loaded from their folders, registries populated, the component builder resolvable). Each of PROCESSES
/// fresh child processes measures one cold start (the first in that process: JIT, assembly loading, metadata reads)
/// and then 20 warm starts, each as wall-clock time and as the process's CPU time (on a machine whose cores are busy
/// with other work, the difference is time spent waiting for a core). TorchSharp's native libraries are loaded before the clock starts in every child, so their
/// load time is excluded, as the issue asks.
/// </summary>
internal static class HostStartBenchmark
{
    private const int WarmRuns = 20;
    private const double TargetMs = 300;

    public static int Run(string[] args)
    {
        int processes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        string plugins = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (!Directory.Exists(plugins))
        {
            Console.Error.WriteLine($"no bundled plugins at {plugins}; build the benchmark project (it deploys them) first.");
            return 1;
        }
        var cold = new List<double>();
        var warm = new List<double>();
        var coldCpu = new List<double>();
        var warmCpu = new List<double>();
        int scopes = 0;
        for (int i = 0; i < processes; i++)
        {
            var (wall, cpu, s) = RunChild();
            cold.Add(wall[0]);
            warm.AddRange(wall[1..]);
            coldCpu.Add(cpu[0]);
            warmCpu.AddRange(cpu[1..]);
            scopes = s;
        }
        Console.WriteLine($"Host start to ready: {scopes} scopes (mmengine + the bundled plugins from {plugins}), " +
                          $"TorchSharp native load excluded, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| measure | runs | first run (ms) | median (ms) | min (ms) | max (ms) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row("cold: first host in a fresh process, wall clock", cold);
        Row("cold: same, process CPU time", coldCpu);
        Row($"warm: next {WarmRuns} hosts in the same process, wall clock", warm);
        Row($"warm: same, process CPU time", warmCpu);
        Console.WriteLine();
        Console.WriteLine($"target: cold median < {TargetMs} ms wall clock: {(Median(cold) < TargetMs ? "met" : "NOT met")} " +
                          $"(CPU time {Median(coldCpu):F1} ms; on a busy machine wall clock exceeds CPU time by the wait for a core)");
        return 0;
    }

    /// <summary>One measurement process: native load first, then one cold and <see cref="WarmRuns"/> warm starts.</summary>
    public static int Child()
    {
        using (torch.NewDisposeScope()) _ = torch.zeros(1);   // libtorch and LibTorchSharp load here, outside the clock
        var times = new List<double>();
        var cpu = new List<double>();
        int scopes = 0;
        for (int i = 0; i <= WarmRuns; i++)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using var host = KilnHost.Create(console: TextWriter.Null);
            var catalog = host.Services.GetRequiredService<PluginCatalog>();
            _ = host.Services.GetRequiredService<IComponentBuilder>();
            clock.Stop();
            if (catalog.Plugins.Count != 3 || catalog.Skipped.Count != 0)
                throw new InvalidOperationException($"expected the 3 bundled plugins, got {catalog.Plugins.Count} loaded, {catalog.Skipped.Count} skipped.");
            scopes = catalog.Tree.Scopes.Count;
            times.Add(clock.Elapsed.TotalMilliseconds);
            cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }
        Console.WriteLine(string.Join(' ', times.Select(t => t.ToString("R", CultureInfo.InvariantCulture))));
        Console.WriteLine(string.Join(' ', cpu.Select(t => t.ToString("R", CultureInfo.InvariantCulture))));
        Console.WriteLine($"scopes={scopes}");
        return 0;
    }

    private static (List<double> Wall, List<double> Cpu, int Scopes) RunChild()
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(HostStartBenchmark).Assembly.Location);
        start.ArgumentList.Add("hoststart-child");
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"hoststart-child failed ({child.ExitCode}): {output}");
        var lines = output.Trim().Split('\n', StringSplitOptions.TrimEntries);
        List<double> Parse(string line) => line.Split(' ').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToList();
        return (Parse(lines[0]), Parse(lines[1]), int.Parse(lines[2]["scopes=".Length..], CultureInfo.InvariantCulture));
    }

    private static void Row(string name, List<double> values) =>
        Console.WriteLine($"| {name} | {values.Count} | {values[0]:F1} | {Median(values):F1} | {values.Min():F1} | {values.Max():F1} |");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
