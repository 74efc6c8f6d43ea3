using Kiln.Checkpoints;
using Kiln.TestKit;
using TorchSharp;

namespace Kiln.Vision.Tests;

/// <summary>
/// <c>kiln train --resume</c> (RUN-08, RUN-09, CKPT-02): one epoch, then resume to two, ends with the same weights,
/// bit for bit, as two epochs in one run: the sampler order, weights, optimizer momentum and counters all carry over.
/// </summary>
[Collection("cli")]
public class ResumeEndToEndTests
{
    private static CliRun Train(string workDir, int maxEpochs, bool resume)
    {
        var args = new List<string>
        {
            "train", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"), "--work-dir", workDir, "--cfg-options",
            $"train_dataloader.dataset.data_root={RepoPaths.Mnist}", $"val_dataloader.dataset.data_root={RepoPaths.Mnist}",
            $"train_cfg.max_epochs={maxEpochs}",
        };
        if (resume) args.Add("--resume");
        var run = CliRun.Invoke([.. args]);
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        return run;
    }

    [Fact]
    public void Resume_FromEpochOne_MatchesUninterruptedRunBitForBit()
    {
        using var straight = new TempDir();
        using var split = new TempDir();
        Train(straight.Path, maxEpochs: 2, resume: false);
        Train(split.Path, maxEpochs: 1, resume: false);
        var resumed = Train(split.Path, maxEpochs: 2, resume: true);

        Assert.Contains($"Auto resumed from the latest checkpoint {Path.Combine(split.Path, "epoch_1.pth")}", resumed.Output);
        Assert.DoesNotContain("Epoch(train) [1]", resumed.Output);
        Assert.Contains("Epoch(train) [2][ 10/125]", resumed.Output);

        var a = (PyDict)CheckpointFile.Load(Path.Combine(straight.Path, "epoch_2.pth"))!;
        var b = (PyDict)CheckpointFile.Load(Path.Combine(split.Path, "epoch_2.pth"))!;
        try
        {
            Assert.Equal(2L, ((PyDict)b["meta"]!)["epoch"]);
            Assert.Equal(250L, ((PyDict)b["meta"]!)["iter"]);
            var wa = (PyDict)a["state_dict"]!;
            var wb = (PyDict)b["state_dict"]!;
            Assert.Equal(wa.Keys, wb.Keys);
            foreach (var key in wa.Keys)
            {
                var (x, y) = ((torch.Tensor)wa[key]!, (torch.Tensor)wb[key]!);
                Assert.Equal(x.shape, y.shape);
                Assert.True(x.eq(y).all().item<bool>(), $"{key} differs after resume");
            }
        }
        finally
        {
            CheckpointValue.DisposeTensors(a);
            CheckpointValue.DisposeTensors(b);
        }
    }
}
