using System.Diagnostics;
using Kiln.Hosting;
using Kiln.Metrics;
using Kiln.Vision;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>suite</c>: the benchmarks of docs/performance.md one after another in one run, each printing its table under a
/// heading: the framework tax, start-up, memory over 20,000 iterations, hook overhead, UpdateParams, checkpoint
/// save/load, the data loader and config parsing. About 15 minutes on 2 idle cores. (dist needs mpirun, evalmemory and
/// hoststart have their own commands.)
/// </summary>
internal static class Suite
{
    public static int Run()
    {
        var total = Stopwatch.StartNew();
        Console.WriteLine($"# Kiln performance suite, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        int failures = 0;
        void Section(string name, Func<int> body)
        {
            Console.WriteLine();
            Console.WriteLine($"## {name}");
            Console.WriteLine();
            var clock = Stopwatch.StartNew();
            int rc = body();
            if (rc != 0) failures++;
            Console.WriteLine();
            Console.WriteLine($"({name}: {clock.Elapsed.TotalSeconds:F0} s{(rc != 0 ? $", exit code {rc}" : "")})");
        }

        Section("tax", () => TaxBenchmark.Run(["7"]));
        Section("startup", () => StartupBenchmark.Run(["5"]));
        Section("rss", () =>
        {
            using var host = BenchHost.Create();
            return RssBenchmark.Run(host, ["20000"]);
        });
        Section("hookoverhead", () => HookOverheadBenchmark.Run(["3"]));
        Section("optimwrapper", () => OptimWrapperBench.Run([]));
        Section("checkpoint", () => CheckpointBenchmark.Run(["3"]));
        Section("dataloader", () => DataLoaderBenchmark.Run(["3"]));
        Section("config", () => ConfigBenchmark.Run(["10"]));
        Console.WriteLine();
        Console.WriteLine($"suite finished in {total.Elapsed.TotalMinutes:F1} min{(failures > 0 ? $", {failures} benchmark(s) failed" : "")}");
        return failures == 0 ? 0 : 1;
    }
}
