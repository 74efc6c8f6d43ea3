using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using Kiln.TestKit;

namespace Kiln.Vision.Tests;

/// <summary>
/// The bundled example end to end, through the real CLI, with the plugins loaded from their folders:
/// RUN-01 (train from a config), LOG-01 (MMEngine's log lines), CKPT-01 (a checkpoint per epoch), REG-01.
/// </summary>
[Collection("cli")]
public class TrainEndToEndTests
{
    [Fact]
    public void Train_BundledLeNet5Config_ReachesNinetyFivePercentAndWritesMMEngineWorkDir()
    {
        using var tmp = new TempDir();
        var run = CliRun.Invoke("train", Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py"), "--work-dir", tmp.Path,
            "--cfg-options", $"train_dataloader.dataset.data_root={RepoPaths.Mnist}", $"val_dataloader.dataset.data_root={RepoPaths.Mnist}");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);

        // One timestamped log folder with <timestamp>.log in MMEngine's line format.
        var logDir = Assert.Single(Directory.GetDirectories(tmp.Path));
        string stamp = Path.GetFileName(logDir);
        Assert.Matches(@"^\d{8}_\d{6}$", stamp);
        string log = File.ReadAllText(Path.Combine(logDir, stamp + ".log"));
        Assert.Matches(new Regex(@"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} - kiln - INFO - Epoch\(train\) \[1\]\[ 10/125\]  lr: 1\.0000e-02  eta: \d+:\d{2}:\d{2}  time: \d+\.\d{4}  data_time: \d+\.\d{4}  loss: \d+\.\d{4}$", RegexOptions.Multiline), log);
        Assert.Matches(new Regex(@"Epoch\(train\) \[2\]\[120/125\]  lr: 1\.0000e-02  eta: 0:00:\d{2}", RegexOptions.Multiline), log);
        Assert.Matches(new Regex(@"Epoch\(val\) \[1\]\[10/32\]    eta: \d+:\d{2}:\d{2}  time: \d+\.\d{4}  data_time: \d+\.\d{4}  $", RegexOptions.Multiline), log);
        var val = Regex.Matches(log, @"Epoch\(val\) \[(\d)\]\[32/32\]    accuracy/top1: (\d+\.\d{4})  data_time: \d+\.\d{4}  time: \d+\.\d{4}$", RegexOptions.Multiline);
        Assert.Equal(2, val.Count);
        double accuracy = double.Parse(val[1].Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 95.0, $"last validation accuracy {accuracy} < 95");
        Assert.Contains("Exp name: lenet5_mnist_" + stamp, log);

        // LocalVisBackend's JSON lines.
        var scalars = File.ReadAllLines(Path.Combine(logDir, "vis_data", "scalars.json"));
        Assert.Equal(2 * 12 + 2, scalars.Length);
        Assert.StartsWith("{\"lr\":0.01,\"data_time\":", scalars[0]);
        Assert.Contains("\"accuracy/top1\":", scalars[^1]);

        // A checkpoint per epoch and last_checkpoint, in PyTorch's format with MMEngine's keys.
        Assert.Equal(Path.Combine(tmp.Path, "epoch_2.pth"), File.ReadAllText(Path.Combine(tmp.Path, "last_checkpoint")));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "lenet5_mnist.py")), "the config is dumped into the work dir");
        var checkpoint = (PyDict)CheckpointFile.Load(Path.Combine(tmp.Path, "epoch_1.pth"))!;
        try
        {
            var meta = (PyDict)checkpoint["meta"]!;
            Assert.Equal(1L, meta["epoch"]);
            Assert.Equal(125L, meta["iter"]);
            Assert.Equal(0L, meta["seed"]);
            Assert.Contains("LeNet5", (string)meta["cfg"]!);
            var stateDict = Assert.IsType<PyOrderedDict>(checkpoint["state_dict"]);
            Assert.Contains("features.0.weight", stateDict.Keys);
            Assert.Contains("optimizer", checkpoint.Keys);
            Assert.Contains("message_hub", checkpoint.Keys);
        }
        finally
        {
            CheckpointValue.DisposeTensors(checkpoint);
        }
        Assert.True(File.Exists(Path.Combine(tmp.Path, "epoch_2.pth")));
    }
}
