using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.TestKit;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>dist [ROUNDS]</c> (issue 14, show-it 4): LeNet-5 training throughput on the bundled MNIST sample, two ranks
/// under <c>mpirun -np 2</c> with one libtorch thread each and batch 32 per rank, against one process with two
/// threads and batch 64 (the same samples per step). Per-iteration times come from the rank-0 log
/// (<c>LoggerHook</c> interval 1, so each line is one iteration); the first 10 iterations are warm-up. Prints the
/// median per round and overall, in samples per second.
/// </summary>
internal static partial class DistBenchmark
{
    private const int Iterations = 60;
    private const int WarmUp = 10;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 3;
        if (MpiRun.Unavailable is { } reason)
        {
            Console.Error.WriteLine("dist needs Open MPI: " + reason);
            return 2;
        }
        using var tmp = new TempDir();
        var rows = new List<(string Name, List<double> PerRound)>
        {
            ("2 ranks x 1 thread, batch 32 each", []),
            ("1 process x 2 threads, batch 64", []),
        };
        for (int round = 0; round < rounds; round++)
        {
            rows[0].PerRound.Add(Throughput(tmp, $"r{round}-dist", ranks: 2, threads: 1, batch: 32));
            rows[1].PerRound.Add(Throughput(tmp, $"r{round}-one", ranks: 1, threads: 2, batch: 64));
        }
        Console.WriteLine($"LeNet-5 on MNIST, {Iterations} iterations of 64 samples per step ({WarmUp} warm-up), {Environment.ProcessorCount} cores, {rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("| setup | samples/s per round | median samples/s |");
        Console.WriteLine("|---|---|---:|");
        foreach (var (name, perRound) in rows)
            Console.WriteLine($"| {name} | {string.Join(", ", perRound.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))} | {Median(perRound):F0} |");
        return 0;
    }

    private static double Throughput(TempDir tmp, string name, int ranks, int threads, int batch)
    {
        string baseCfg = Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py").Replace("\\", "/", StringComparison.Ordinal);
        string data = RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal);
        string cfg = tmp.Combine(name + ".py");
        File.WriteAllText(cfg, $"""
            _base_ = ['{baseCfg}']
            train_cfg = dict(_delete_=True, by_epoch=False, max_iters={Iterations}, val_interval={Iterations})
            train_dataloader = dict(batch_size={batch}, dataset=dict(data_root='{data}'))
            val_dataloader = None
            val_cfg = None
            val_evaluator = None
            default_hooks = dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1))
            env_cfg = dict(num_threads={threads})
            """);
        string[] kiln = ranks > 1
            ? ["train", cfg, "--launcher", "mpi", "--work-dir", tmp.Combine(name)]
            : ["train", cfg, "--work-dir", tmp.Combine(name)];
        var run = MpiRun.Invoke(ranks, kiln, TimeSpan.FromMinutes(10));
        if (run.ExitCode != 0) throw new InvalidOperationException($"{name} failed:\n{run.Output}");
        var times = IterTime().Matches(run.Output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Skip(WarmUp).ToList();
        if (times.Count == 0) throw new InvalidOperationException($"{name}: no iteration times in the log:\n{run.Output}");
        return ranks * batch / Median(times);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [GeneratedRegex(@" - kiln - INFO - (?:Epoch|Iter)\(train\).*?  time: (\d+\.\d+)")]
    private static partial Regex IterTime();
}
