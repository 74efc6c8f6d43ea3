using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary><c>kiln hooks</c> on the bundled LeNet-5/MNIST config (HOOK-02): MMEngine's after_train_iter block.</summary>
[Collection("cli")]
public class HooksCliTests
{
    [Fact]
    public void Hooks_LeNet5Mnist_PrintsTheAfterTrainIterBlock()
    {
        var run = CliRun.Invoke("hooks", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"));
        Assert.True(run.ExitCode == 0, run.Error);
        const string expected =
            "after_train_iter:\n" +
            "(VERY_HIGH   ) RuntimeInfoHook                    \n" +
            "(NORMAL      ) IterTimerHook                      \n" +
            "(BELOW_NORMAL) LoggerHook                         \n" +
            "(LOW         ) ParamSchedulerHook                 \n" +
            "(VERY_LOW    ) CheckpointHook                     \n" +
            " -------------------- \n";
        Assert.Contains(expected, run.Output);
    }
}
