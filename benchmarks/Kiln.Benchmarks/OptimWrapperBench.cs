using System.Diagnostics;
using System.Globalization;
using Kiln.Config;
using Kiln.Logging;
using Kiln.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Benchmarks;

/// <summary>
/// Show-it 4 of issue 6: what <see cref="OptimWrapper.UpdateParams"/> costs over calling <c>backward()</c>,
/// <c>step()</c> and <c>zero_grad()</c> by hand, on the same model, optimizer and batch. Each iteration's update is
/// timed alone (the forward pass is identical and outside the timer); the two ways alternate every iteration so load
/// on a shared machine hits both alike; the table shows medians per iteration.
/// </summary>
internal static class OptimWrapperBench
{
    public static int Run(string[] args)
    {
        int iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        // One intra-op thread: on a loaded machine two spinning OpenMP threads turn microseconds into milliseconds, and
        // the wrapper's cost does not depend on the thread count.
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1));
        var x = randn(16, 32).DetachFromDisposeScope();
        var y = randn(16, 1).DetachFromDisposeScope();
        var optimizer = optim.SGD(model.parameters(), 1e-3, momentum: 0.9);
        var plain = new OptimWrapper(optimizer);
        var clipped = new OptimWrapper(optimizer, clipGrad: new ConfigDict { ["max_norm"] = 1.0 }) { MessageHub = new MessageHub() };
        var handHub = new MessageHub();
        var parameters = model.parameters().ToList();

        var rows = new (string Name, Action<Tensor> Hand, Action<Tensor> Wrapped)[]
        {
            ("UpdateParams vs backward/step/zero_grad", loss =>
            {
                loss.backward();
                optimizer.step();
                optimizer.zero_grad();
            }, plain.UpdateParams),
            ("with clip_grad=dict(max_norm=1) vs clip_grad_norm_ by hand", loss =>
            {
                loss.backward();
                handHub.UpdateScalar("train/grad_norm", nn.utils.clip_grad_norm_(parameters, 1.0));
                optimizer.step();
                optimizer.zero_grad();
            }, clipped.UpdateParams),
        };

        Console.WriteLine($"MLP 32-64-1, batch 16, SGD momentum 0.9; {iterations:N0} timed iterations per way, alternating every iteration; "
            + $"{Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads");
        Console.WriteLine();
        Console.WriteLine("| case | by hand (µs, median) | OptimWrapper (µs, median) | difference (µs) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, hand, wrapped) in rows)
        {
            var handTimes = new List<double>(iterations);
            var wrappedTimes = new List<double>(iterations);
            for (int i = -1000; i < iterations; i++)   // the first 1,000 pairs warm up and are not kept
            {
                double h = Time(model, x, y, hand), w = Time(model, x, y, wrapped);
                if (i < 0) continue;
                handTimes.Add(h);
                wrappedTimes.Add(w);
            }
            double mh = Median(handTimes), mw = Median(wrappedTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {mh:F1} | {mw:F1} | {mw - mh:+0.0;-0.0} |"));
        }
        return 0;
    }

    private static double Time(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Action<Tensor> update)
    {
        using var scope = NewDisposeScope();
        var loss = nn.functional.mse_loss(model.forward(x), y);
        long start = Stopwatch.GetTimestamp();
        update(loss);
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
