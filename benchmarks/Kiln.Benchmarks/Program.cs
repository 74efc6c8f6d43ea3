using System.Globalization;
using Kiln;
using Kiln.Benchmarks;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.Metrics;
using Kiln.TestKit;
using Kiln.Vision;
using Microsoft.Extensions.Hosting;

// suite: the performance suite of docs/performance.md, one benchmark after another in this process.
if (args is ["suite", ..]) return Suite.Run();

// config: times Config.FromFile over the config corpus (see ConfigBenchmark.cs).
if (args.Length > 0 && args[0] == "config")
    return ConfigBenchmark.Run(args[1..]);

// hoststart: host start with the three bundled plugins to "ready" (HostStartBenchmark.cs).
if (args is ["hoststart", ..]) return HostStartBenchmark.Run(args);
if (args is ["hoststart-child"]) return HostStartBenchmark.Child();

// optimwrapper [ITERATIONS]: UpdateParams against backward/step/zero_grad by hand (OptimWrapperBench.cs).
if (args.Length > 0 && args[0] == "optimwrapper")
    return OptimWrapperBench.Run(args[1..]);

// dist [ROUNDS]: two MPI ranks x 1 thread against one process x 2 threads (DistBenchmark.cs).
if (args.Length > 0 && args[0] == "dist")
    return DistBenchmark.Run(args[1..]);
// evalmemory [SAMPLES] [--keep] [--loop]: 1,000,000 predictions through an Evaluator (--loop: runner.Val()), memory at 10k..1M (EvalMemoryBenchmark.cs).
if (args is ["evalmemory", ..]) return EvalMemoryBenchmark.Run(args[1..]);
// checkpoint [ROUNDS]: save/load of a 100 MB state dict against File.Copy of the same bytes (CheckpointBenchmark.cs).
if (args.Length > 0 && args[0] == "checkpoint")
    return CheckpointBenchmark.Run(args[1..]);
// dataloader [ROUNDS]: PNG pipeline batches/s with 0/1/2 workers, then memory over 20 epochs (DataLoaderBenchmark.cs).
if (args.Length > 0 && args[0] == "dataloader")
    return DataLoaderBenchmark.Run(args[1..]);
// tax [ROUNDS] [FILTER] [--separate]: Kiln's Runner against a hand-written TorchSharp loop, MLP and LeNet-5; tax parts, tax data (TaxBenchmark.cs).
if (args is ["tax", "parts", ..]) return TaxBenchmark.Parts(args[2..]);
if (args is ["tax", "data", ..]) return TaxBenchmark.Data(args[2..]);
if (args is ["tax", ..]) return TaxBenchmark.Run(args[1..]);
// startup [RUNS]: kiln train from process start to the first training iteration (StartupBenchmark.cs).
if (args is ["startup", ..]) return StartupBenchmark.Run(args[1..]);
// hookoverhead [ROUNDS]: default hooks + logging against no hooks on the toy model (HookOverheadBenchmark.cs).
if (args is ["hookoverhead", ..]) return HookOverheadBenchmark.Run(args[1..]);

const string Usage = """
    usage: dotnet run --project benchmarks/Kiln.Benchmarks -c Release -- MODE [ARG]
      memory [EPOCHS]   memory per epoch of the bundled LeNet-5 run (default 8 epochs)
      rss [ITERATIONS] [lenet5|mlp]  memory after 1,000 ... 20,000 iterations (default 20,000, LeNet-5)
      loops [ROUNDS]    epoch-based vs iteration-based loop, median iteration time (default 3 rounds)
      config [PASSES]   parse and merge the config corpus, ms per file
      hoststart [PROCESSES]  host start with the bundled plugins to ready
      optimwrapper [ITERATIONS]  UpdateParams against backward/step/zero_grad by hand
      dist [ROUNDS]     2 MPI ranks x 1 thread vs 1 process x 2 threads, LeNet-5 samples/s (needs mpirun)
      evalmemory [SAMPLES] [--keep]  predictions through an Evaluator's 4 metrics (default 1,000,000), memory at 10k..1M; --keep: no streaming; --loop: through runner.Val()
      checkpoint [ROUNDS]   save and load a 100 MB state dict against File.Copy of the same bytes
      dataloader [ROUNDS]  PNG pipeline batches/s with num_workers 0/1/2, memory over 20 epochs with workers
      hookoverhead [ROUNDS]  default hooks + logging against no hooks, µs per iteration (default 5 rounds)
      startup [RUNS]    kiln train from process start to the first training iteration (default 5 runs)
      suite             tax, startup, rss, hookoverhead, optimwrapper, checkpoint, dataloader, config in one run
      tax [ROUNDS] [FILTER] [--separate]  Runner against a hand-written TorchSharp loop (interleaved iterations; --separate: whole runs): MLP and LeNet-5, 1/2 threads, epoch/iter
      tax parts [mlp|lenet5] [ROUNDS]  Kiln's pieces swapped into the hand loop one at a time, µs and bytes per iteration
      tax data [ROUNDS]  the data path alone: hand index_select vs Kiln's DataLoader and label tensor, µs per batch
    """;
string mode = args.Length > 0 ? args[0] : "memory";
int? arg = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var n) ? n : null;
if (mode is not ("memory" or "loops" or "rss") || (mode != "rss" && args.Length > 1 && arg is null))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

using var host = BenchHost.Create();
if (mode == "loops") return LoopsBenchmark.Run(host, arg ?? 3);
if (mode == "rss") return RssBenchmark.Run(host, args[1..]);

// memory: trains the bundled LeNet-5 config for N epochs (default 8) and prints resident memory, managed heap and
// live tensors after each epoch. Flat numbers after the first epoch or two mean nothing leaks per iteration.
int epochs = arg ?? 8;
using var tmp = new TempDir();
var cfg = Config.FromFile(Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
cfg.MergeFromDict(Config.ParseCfgOptions([
    $"work_dir={tmp.Path}", $"train_cfg.max_epochs={epochs}", "train_cfg.val_interval=1000",
    $"train_dataloader.dataset.data_root={RepoPaths.Mnist}", $"val_dataloader.dataset.data_root={RepoPaths.Mnist}",
    "default_hooks.checkpoint.interval=1000",
]));
cfg.Dict["custom_hooks"] = new List<object?> { new ConfigDict { ["type"] = "bench.MemoryProbeHook" } };
using (var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText))
    runner.Train();

Console.WriteLine($"LeNet-5 on 8,000 MNIST digits, batch 64 (125 iterations/epoch), {epochs} epochs, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| epoch | RSS (MiB) | managed heap (MiB) | live tensors |");
Console.WriteLine("|---:|---:|---:|---:|");
foreach (var sample in MemoryProbeHook.Samples)
    Console.WriteLine($"| {sample.Epoch} | {sample.RssMiB:F1} | {sample.ManagedMiB:F1} | {sample.LiveTensors} |");
var s = MemoryProbeHook.Samples;
if (s.Count >= 3)
{
    var steady = s.Skip(1).ToList();
    Console.WriteLine();
    Console.WriteLine($"after warm-up (epochs {steady[0].Epoch}..{steady[^1].Epoch}): RSS {steady[^1].RssMiB - steady[0].RssMiB:+0.0;-0.0} MiB " +
        $"({(steady[^1].RssMiB - steady[0].RssMiB) / (steady.Count - 1) / 125 * 1024:+0.00;-0.00} KiB/iteration), " +
        $"live tensors {steady[^1].LiveTensors - steady[0].LiveTensors:+0;-0}");
}
return 0;
