using System.Diagnostics;
using System.Globalization;
using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>checkpoint [ROUNDS]</c> (issue 9): saves and loads a 100 MB state dict (25 float32 tensors of 1 M elements,
/// PyTorch zip format, atomic save with fsync) against <c>File.Copy</c> of a file of the same size on the same disk
/// followed by an fsync of the copy (what a save must also pay). Prints the median of each and the ratios; the
/// target is under 2× the copy.
/// </summary>
internal static class CheckpointBenchmark
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 5;
        string folder = Path.Combine(Path.GetTempPath(), "kiln-bench-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(0);
            var stateDict = new PyOrderedDict();
            for (int i = 0; i < 25; i++) stateDict[$"layer{i}.weight"] = randn(1000, 1000);
            string path = Path.Combine(folder, "ckpt.pth");
            string raw = Path.Combine(folder, "raw.bin");
            string copy = Path.Combine(folder, "copy.bin");
            CheckpointFile.Save(path, stateDict); // warm-up, and the size of the bytes to copy
            long size = new FileInfo(path).Length;
            File.Copy(path, raw, overwrite: true);

            var save = new List<double>();
            var load = new List<double>();
            var fileCopy = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                var sw = Stopwatch.StartNew();
                CheckpointFile.Save(path, stateDict);
                save.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                var loaded = CheckpointFile.Load(path);
                load.Add(sw.Elapsed.TotalMilliseconds);
                CheckpointValue.DisposeTensors(loaded);

                sw.Restart();
                File.Copy(raw, copy, overwrite: true);
                using (var fs = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
                fileCopy.Add(sw.Elapsed.TotalMilliseconds);
            }

            double ms(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
            Console.WriteLine($"checkpoint: 25 × float32[1000, 1000] state dict, {size / 1e6:F1} MB file, {rounds} rounds, {Environment.ProcessorCount} cores, {folder}");
            Console.WriteLine();
            Console.WriteLine("| operation | median (ms) | × File.Copy |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine($"| File.Copy + fsync | {ms(fileCopy):F1} | 1.00 |");
            Console.WriteLine($"| CheckpointFile.Save (atomic, fsync) | {ms(save):F1} | {ms(save) / ms(fileCopy):F2} |");
            Console.WriteLine($"| CheckpointFile.Load | {ms(load):F1} | {ms(load) / ms(fileCopy):F2} |");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
