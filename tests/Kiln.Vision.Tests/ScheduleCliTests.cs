using System.Text.Json;
using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary>
/// <c>kiln schedule</c> on the bundled LeNet-5/MNIST config with a warm-up and a step schedule (SCHED-06, SCHED-12):
/// the model and the train dataloader build, so the optimizer is over LeNet-5's parameters and an epoch is the
/// sample's 8,000 training digits over batches of 64.
/// </summary>
[Collection("cli")]
public class ScheduleCliTests
{
    [Fact]
    public void Schedule_LeNet5Mnist_WarmupThenStep_ItersPerEpochFromTheDataloader()
    {
        using var tmp = new TempDir();
        string config = tmp.Combine("sched.py");
        File.WriteAllText(config, $$"""
            _base_ = ['{{Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py").Replace("\\", "/")}}']
            train_dataloader = dict(dataset=dict(data_root='{{RepoPaths.Mnist.Replace("\\", "/")}}'))
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
                dict(type='MultiStepLR', milestones=[1], gamma=0.1),
            ]
            """);
        var run = CliRun.Invoke("schedule", config, "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        var lr = doc.RootElement.GetProperty("lr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var momentum = doc.RootElement.GetProperty("momentum").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2 * 125, lr.Length);
        for (int i = 0; i < lr.Length; i++)
        {
            double expected = i < 10 ? 0.01 * (0.1 + 0.9 * i / 9) : i < 125 ? 0.01 : 0.001;
            Assert.Equal(expected, lr[i], 1e-12);
            Assert.Equal(0.9, momentum[i]);
        }

        var table = CliRun.Invoke("schedule", config);
        Assert.Equal(0, table.ExitCode);
        Assert.DoesNotContain("dummy", table.Output);
        Assert.Contains("# 250 iterations (2 epochs x 125)", table.Output);
    }
}
