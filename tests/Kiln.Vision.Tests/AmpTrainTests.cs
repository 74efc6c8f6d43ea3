using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary>
/// OPT-03 / SPEED-02 / AE-RUN-05: the bundled LeNet-5 config trained with <c>type='AmpOptimWrapper'</c> (bf16 autocast on
/// CPU) reaches the fp32 run's validation accuracy within one point, one epoch each, through the real CLI.
/// </summary>
[Collection("cli")]
public class AmpTrainTests
{
    private static double TrainOneEpoch(string wrapperType)
    {
        using var tmp = new TempDir();
        var run = CliRun.Invoke("train", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"), "--work-dir", tmp.Path,
            "--cfg-options", "train_cfg.max_epochs=1", $"optim_wrapper.type={wrapperType}",
            $"train_dataloader.dataset.data_root={RepoPaths.Mnist}", $"val_dataloader.dataset.data_root={RepoPaths.Mnist}");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var logDir = Assert.Single(Directory.GetDirectories(tmp.Path));
        string log = File.ReadAllText(Path.Combine(logDir, Path.GetFileName(logDir) + ".log"));
        var val = Regex.Match(log, @"Epoch\(val\) \[1\]\[32/32\]    accuracy/top1: (\d+\.\d{4})", RegexOptions.Multiline);
        Assert.True(val.Success, log);

        // The checkpoint's optimizer state carries MMEngine's 'loss_scaler' entry only with AmpOptimWrapper.
        var checkpoint = (PyDict)CheckpointFile.Load(Path.Combine(tmp.Path, "epoch_1.pth"))!;
        try
        {
            var optimizer = (PyDict)checkpoint["optimizer"]!;
            Assert.Equal(wrapperType == "AmpOptimWrapper", optimizer.ContainsKey("loss_scaler"));
        }
        finally
        {
            CheckpointValue.DisposeTensors(checkpoint);
        }
        return double.Parse(val.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Train_LeNet5WithAmpOptimWrapper_WithinOnePointOfFp32()
    {
        double fp32 = TrainOneEpoch("OptimWrapper");
        double amp = TrainOneEpoch("AmpOptimWrapper");
        Assert.True(fp32 >= 90.0, $"fp32 accuracy {fp32} < 90 after one epoch");
        Assert.True(Math.Abs(amp - fp32) <= 1.0, $"AmpOptimWrapper accuracy {amp} is not within 1 point of fp32 {fp32}");
    }
}
