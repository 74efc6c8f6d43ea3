using System.Globalization;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using Microsoft.Extensions.Hosting;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>hookoverhead</c>: what MMEngine's six default hooks plus logging cost per training iteration. The same tiny
/// model (the toy Linear(2,2) → Linear(2,1), batch 3) is trained iteration-based twice per round: once with the default
/// hooks (RuntimeInfoHook, IterTimerHook, DistSamplerSeedHook, LoggerHook every 10 iterations to the text log and
/// vis_data, ParamSchedulerHook, CheckpointHook with no save inside the run), once with every default hook set to None.
/// Both runs carry only the probe hook that times iterations. Prints the medians and their difference in µs.
/// </summary>
internal static class HookOverheadBenchmark
{
    private const int Iters = 3000;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 5;
        using var host = BenchHost.Create(new ToyPlugin());

        var withHooks = new List<double>();
        var without = new List<double>();
        var stagesWith = new List<double>();
        var stagesWithout = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            var (a, sa) = Train(host, defaultHooks: true);
            var (b, sb) = Train(host, defaultHooks: false);
            if (round == 0) continue; // warm-up round: JIT and libtorch first calls
            withHooks.AddRange(a);
            without.AddRange(b);
            stagesWith.Add(sa);
            stagesWithout.Add(sb);
        }
        double medWith = Stats.Median(withHooks) * 1000, medWithout = Stats.Median(without) * 1000;
        Console.WriteLine($"toy model (Linear 2-2-1), batch 3, {Iters} iterations per run, {rounds} measured rounds (+1 warm-up), " +
            $"{Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| runner | iterations | median µs/iter | p10 µs/iter | p90 µs/iter |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(Row("default hooks + logging", withHooks));
        Console.WriteLine(Row("no hooks (default_hooks all None)", without));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overhead of the default hooks and logging: {medWith - medWithout:F1} µs per iteration (median difference; target < 20 µs)"));
        Console.WriteLine();
        Console.WriteLine($"the two hook stages alone (BeforeTrainIter + AfterTrainIter on the trained runner, {StageIters} calls, logging every 10th, median of rounds):");
        Console.WriteLine();
        Console.WriteLine("| runner | µs per iteration |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| default hooks + logging | {Stats.Median(stagesWith):F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| no hooks (default_hooks all None) | {Stats.Median(stagesWithout):F2} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hook stages, difference: {Stats.Median(stagesWith) - Stats.Median(stagesWithout):F2} µs per iteration"));
        return 0;
    }

    private static string Row(string name, List<double> ms) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {ms.Count} | {Stats.Median(ms) * 1000:F1} | {Stats.Percentile(ms, 0.1) * 1000:F1} | {Stats.Percentile(ms, 0.9) * 1000:F1} |");

    private const int StageIters = 30000;

    /// <summary>Times the iteration's two hook stages by themselves, with a fixed loss, on a runner that has trained.</summary>
    private static double TimeStages(Runner runner)
    {
        var outputs = new Dictionary<string, double> { ["loss"] = 1.0 };
        var hooks = runner.HookList;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < StageIters; i++)
        {
            var before = new Hooks.BatchArgs(i % 1000, null!);
            hooks.Call(h => h.BeforeTrainIter(runner, before));
            var after = new Hooks.TrainIterArgs(i % 1000, null!, outputs);
            hooks.Call(h => h.AfterTrainIter(runner, after));
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds / StageIters;
    }

    private static (List<double> IterMs, double StageMicros) Train(IHost host, bool defaultHooks)
    {
        using var tmp = new TempDir();
        string hooks = defaultHooks
            ? $"dict(logger=dict(type='LoggerHook', interval=10), checkpoint=dict(type='CheckpointHook', interval={Iters * 10}, by_epoch=False, save_last=False))"
            : "dict(runtime_info=None, timer=None, sampler_seed=None, logger=None, param_scheduler=None, checkpoint=None)";
        var cfg = Config.Config.FromString($"""
            default_scope = 'toy'
            work_dir = r'{tmp.Path}'
            model = dict(type='ToyModel')
            train_dataloader = dict(dataset=dict(type='ToyDataset', size=3000), sampler=dict(type='DefaultSampler', shuffle=True), batch_size=3, num_workers=0)
            train_cfg = dict(by_epoch=False, max_iters={Iters})
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
            log_processor = dict(by_epoch=False)
            default_hooks = {hooks}
            custom_hooks = [dict(type='bench.IterTimeHook')]
            randomness = dict(seed=0)
            """, ".py");
        IterTimeHook.Clear();
        using var runner = Runner.FromConfig(cfg.Dict, host.Services);
        runner.Train();
        var iterMs = IterTimeHook.Milliseconds.ToList();
        return (iterMs, TimeStages(runner));
    }
}
