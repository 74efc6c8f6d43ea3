using System.Diagnostics;
using System.Globalization;
using Kiln.TestKit;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>startup [RUNS]</c>: <c>kiln train</c> on the bundled LeNet-5 config, from process start to the first training
/// iteration. Each run starts the built <c>kiln</c> executable (src/Host's build output, as the README's command runs
/// it) with the logger at every iteration, reads its standard output, and stops it once the first iteration's log
/// line is out. Two marks per run: the CheckpointHook's "Checkpoints will be saved to" line (before_train: the
/// runner is built, the plugins, config, model, dataset, optimizer and hooks are ready) and the first
/// <c>Epoch(train) [1][  1/125]</c> line (the first iteration has finished). Prints the medians.
/// </summary>
internal static class StartupBenchmark
{
    private const double TargetMs = 1500;

    public static int Run(string[] args)
    {
        int runs = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 5;
        string exe = Path.Combine(RepoPaths.Root, "src", "Host", "bin", "Release", "net10.0", OperatingSystem.IsWindows() ? "kiln.exe" : "kiln");
        if (!File.Exists(exe))
        {
            Console.Error.WriteLine($"no kiln executable at {exe}; build src/Host in Release first (dotnet build src/Host -c Release).");
            return 1;
        }
        var ready = new List<double>();
        var first = new List<double>();
        for (int i = 0; i <= runs; i++)
        {
            var (r, f) = RunOnce(exe);
            if (i == 0) continue;   // the first start also pays for cold disk caches
            ready.Add(r);
            first.Add(f);
        }
        Console.WriteLine($"kiln train plugins/Vision/configs/lenet5_mnist.py, {runs} runs (+1 warm-up for the disk cache), " +
            $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| from process start to | median ms | min ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("runner built, before_train (\"Checkpoints will be saved to\")", ready);
        Row("first training iteration finished (its log line)", first);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target: first iteration < {TargetMs} ms: {(Stats.Median(first) < TargetMs ? "met" : "NOT met")}"));
        return 0;
    }

    private static void Row(string name, List<double> ms) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {Stats.Median(ms):F0} | {ms.Min():F0} | {ms.Max():F0} |"));

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static (double ReadyMs, double FirstIterMs) RunOnce(string exe)
    {
        using var tmp = new TempDir();
        var info = new ProcessStartInfo(exe)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "train", "plugins/Vision/configs/lenet5_mnist.py", "--work-dir", tmp.Path, "--no-progress",
                     "--cfg-options", "default_hooks.logger.interval=1" })
            info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        double ready = double.NaN;
        try
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (double.IsNaN(ready) && line.Contains("Checkpoints will be saved to", StringComparison.Ordinal))
                    ready = clock.Elapsed.TotalMilliseconds;
                if (line.Contains("Epoch(train) [1][  1/125]", StringComparison.Ordinal))
                    return (ready, clock.Elapsed.TotalMilliseconds);
            }
            throw new InvalidOperationException($"kiln exited with {process.ExitCode} before its first iteration's log line.");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }
}
