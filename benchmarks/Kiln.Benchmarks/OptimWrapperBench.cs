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
/// timed alone (the forward pass is identical and outside the timer); the two ways alternate in blocks so drift on a
/// shared machine hits both alike; the table shows medians per iteration.
/// </summary>
internal static class OptimWrapperBench
{
    public static int Run(string[] args)
    {
        int iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        const int block = 500;
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

        Console.WriteLine($"MLP 32-64-1, batch 16, SGD momentum 0.9; {iterations:N0} timed iterations per way, alternating blocks of {block}; "
            + $"{Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads");
        Console.WriteLine();
        Console.WriteLine("| case | by hand (µs, median) | OptimWrapper (µs, median) | difference (µs) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, hand, wrapped) in rows)
        {
            Measure(model, x, y, hand, block);            // warm-up
            Measure(model, x, y, wrapped, block);
            var handTimes = new List<double>(iterations);
            var wrappedTimes = new List<double>(iterations);
            for (int done = 0; done < iterations; done += block)
            {
                handTimes.AddRange(Measure(model, x, y, hand, block));
                wrappedTimes.AddRange(Measure(model, x, y, wrapped, block));
            }
            double h = Median(handTimes), w = Median(wrappedTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {h:F1} | {w:F1} | {w - h:+0.0;-0.0} |"));
        }
        return 0;
    }

    private static List<double> Measure(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Action<Tensor> update, int count)
    {
        var times = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            long start = Stopwatch.GetTimestamp();
            update(loss);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return times;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
