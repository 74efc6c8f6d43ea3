using System.Diagnostics;
using Kiln.Datasets;
using Kiln.Hooks;
using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// <c>evalmemory --loop</c>'s dataset: <paramref name="size"/> samples made on demand from their index (nothing is
/// stored per sample): 10 input features, a class label and a 3×4×4 ground-truth image.
/// </summary>
[Register(Registries.Datasets)]
public sealed class EvalBenchDataset(int size = 1000) : IDataset
{
    public const int Features = 10, Pixels = 48;

    public int Count { get; } = size;

    public IReadOnlyDictionary<string, object?> MetaInfo { get; } = new Dictionary<string, object?>();

    public Sample Get(int index)
    {
        var random = new Random(index);
        var x = new float[Features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var img = new float[3, 4, 4];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 4; y++)
                for (int z = 0; z < 4; z++) img[c, y, z] = random.Next(256);
        var sample = new DataSample { GtLabel = random.Next(EvalBenchModel.Classes) };
        sample.Set("gt_img", img);
        return new Sample(torch.tensor(x), sample);
    }
}

/// <summary>
/// <c>evalmemory --loop</c>'s model: Linear(10, 10) and a softmax give <c>pred_score</c>; <c>pred_img</c> is the
/// ground-truth image plus a small offset from the first output, so the image metric has work to do.
/// </summary>
[Register(Registries.Models)]
public sealed class EvalBenchModel : BaseModel
{
    public const int Classes = 10;

    private readonly Linear linear = nn.Linear(EvalBenchDataset.Features, Classes);

    public EvalBenchModel() : base(nameof(EvalBenchModel), null) => RegisterComponents();

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var logits = linear.forward(inputs);
        if (mode == ForwardMode.Tensor) return ModelOutput.FromTensor(logits);
        if (mode == ForwardMode.Loss) return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = logits.sum() });
        var scores = softmax(logits, 1).contiguous().data<float>().ToArray();
        for (int i = 0; i < dataSamples.Count; i++)
        {
            var s = dataSamples[i];
            s.PredScore = scores.AsSpan(i * Classes, Classes).ToArray();
            var gt = s.Get<float[,,]>("gt_img");
            var pred = (float[,,])gt.Clone();
            pred[0, 0, 0] = Math.Clamp(pred[0, 0, 0] + 40 * scores[i * Classes], 0, 255);
            s.Set("pred_img", pred);
        }
        return ModelOutput.FromPredictions(dataSamples);
    }
}

/// <summary>After chosen validation iterations, records resident memory, the managed heap and live tensors.</summary>
[Register(Registries.Hooks)]
public sealed class EvalMemoryProbeHook : Hook
{
    /// <summary>Sample counts to record at (the benchmark sets them with the batch size).</summary>
    public static HashSet<long> Marks { get; } = [];

    public static int BatchSize { get; set; } = 1000;

    public static List<(long Done, double RssMiB, double ManagedMiB, long LiveTensors)> Samples { get; } = [];

    public override int Priority => HookPriority.Lowest;

    public override void AfterValIter(IRunnerContext runner, EvalIterArgs args)
    {
        long done = (long)(args.BatchIndex + 1) * BatchSize;
        if (!Marks.Contains(done)) return;
        double heap = Measure(out double rss);
        Samples.Add((done, rss, heap, DisposeScopeManager.Statistics.ThreadTotalLiveCount));
    }

    /// <summary>
    /// The managed heap's live bytes in MiB after full blocking collections (heap size less fragmentation, from
    /// <see cref="GC.GetGCMemoryInfo()"/>; <c>GC.GetTotalMemory</c> gave negative values inside the loop), and RSS in MiB.
    /// </summary>
    public static double Measure(out double rssMiB)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        using var process = Process.GetCurrentProcess();
        rssMiB = process.WorkingSet64 / 1048576.0;
        return (info.HeapSizeBytes - info.FragmentedBytes) / 1048576.0;
    }
}
