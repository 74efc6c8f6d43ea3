using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary><c>kiln analyze model</c> (ANA-01..05) on the bundled configs.</summary>
[Collection("cli")]
public class AnalyzeCliTests
{
    [Fact]
    public void AnalyzeModel_LeNet5_PrintsTableArchAndHandComputedTotals()
    {
        var run = CliRun.Invoke("analyze", "model", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"), "--shape", "1,1,28,28");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("| module ", run.Output);
        Assert.Contains("LeNet5(\n  #params: 61.71K, #flops: 0.42M, #acts: 6.52K\n", run.Output);
        Assert.Contains("Input shape: (1, 1, 28, 28)\nFlops: 0.417M\nParams: 61.706K\nActivation: 6.518K\n", run.Output);
    }

    [Fact]
    public void AnalyzeModel_ResNet18Cifar_CountsTheCifarStem()
    {
        var run = CliRun.Invoke("analyze", "model", Path.Combine(RepoPaths.VisionConfigs, "_base_", "models", "resnet18_cifar.py"), "--shape", "1,3,32,32", "--no-arch");
        Assert.True(run.ExitCode == 0, run.Error);
        // conv1 3x3 stride 1 on 32x32: 32*32*64*3*9 = 1,769,472 flops; 11,173,962 parameters with the 10-class head.
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("|   backbone.conv1 ") && l.Contains("|   1.769M "));
        Assert.Contains("Params: 11.174M", run.Output);
        Assert.DoesNotContain("#params: ", run.Output);   // --no-arch
    }

    [Fact]
    public void AnalyzeModel_BadShape_SaysWhatIsExpected()
    {
        var run = CliRun.Invoke("analyze", "model", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"), "--shape", "1,x,28");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--shape 1,x,28: 'x' is not a positive integer; give the input shape with its batch dimension, e.g. --shape 1,3,32,32.", run.Error);
    }
}
