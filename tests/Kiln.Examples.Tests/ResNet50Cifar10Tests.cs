using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using Kiln.Examples.ResNet50Cifar10;
using Kiln.TestKit;
using Kiln.Vision.Models.ResNets;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Examples.Tests;

/// <summary>
/// Issue 11 (a), spec T1: the 15-minute tutorial (ResNet-50 on CIFAR-10) from objects and as resnet50_cifar10.py under
/// <c>kiln train</c>, on a few synthetic images written in CIFAR-10's binary format. ResNet-50 on CPU is slow, so one
/// epoch of 2 iterations (batch 4) and one validation batch.
/// </summary>
public sealed class ResNet50Cifar10Tests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>CIFAR-10 binary batches under <c>root/cifar-10-batches-bin</c>: label i % 10, seeded random pixels.</summary>
    private static void WriteSyntheticCifar10(string root, int perBatch = 4, int test = 4)
    {
        string dir = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        var random = new Random(11);
        byte[] Records(int n)
        {
            var bytes = new byte[n * 3073];
            for (int i = 0; i < n; i++)
            {
                bytes[i * 3073] = (byte)(i % 10);
                random.NextBytes(bytes.AsSpan(i * 3073 + 1, 3072));
            }
            return bytes;
        }
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), Records(perBatch));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(test));
    }

    /// <summary>Issue 11 show-it 2: MMResNet50 holds torchvision's ResNet-50 with 10 classes: 23,528,522 parameters, torchvision's names under <c>resnet.</c>.</summary>
    [Fact]
    public void MMResNet50_Has23528522Parameters_WithTorchvisionNames()
    {
        using var scope = NewDisposeScope();
        var model = new MMResNet50();
        var parameters = model.named_parameters().ToList();
        Assert.Equal(23_528_522L, parameters.Sum(p => p.parameter.numel()));
        Assert.All(parameters, p => Assert.StartsWith("resnet.", p.name));
        // The names below resnet. are the torchvision ResNet-50's (checked key by key against torchvision in the Vision tests).
        Assert.Equal(ResNet.ResNet50(10).named_parameters().Select(p => "resnet." + p.name), parameters.Select(p => p.name));
        var shapes = parameters.ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([64L, 3, 7, 7], shapes["resnet.conv1.weight"]);
        Assert.Equal([2048L, 512, 1, 1], shapes["resnet.layer4.2.conv3.weight"]);
        Assert.Equal([256L, 64, 1, 1], shapes["resnet.layer1.0.downsample.0.weight"]);
        Assert.Equal([10L, 2048], shapes["resnet.fc.weight"]);
        Assert.Equal([10L], shapes["resnet.fc.bias"]);
    }

    [Fact]
    public void MMResNet50_Forward_LossAndPredictModes()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var model = new MMResNet50();
        model.eval();
        var samples = Enumerable.Range(0, 2).Select(i => new Structures.DataSample { GtLabel = i + 3 }).ToList();
        var inputs = randn(2, 3, 32, 32);
        var loss = model.Forward(inputs, samples, Models.ForwardMode.Loss).Losses!["loss"];
        var logits = model.Forward(inputs, samples, Models.ForwardMode.Tensor).Raw!;
        Assert.Equal([2L, 10], logits.shape);
        Assert.Equal(nn.functional.cross_entropy(logits, tensor(new long[] { 3, 4 })).item<float>(), loss.item<float>(), 5);
        var predicted = model.Forward(inputs, samples, Models.ForwardMode.Predict).Predictions!;
        Assert.Equal(logits[1].data<float>().ToArray(), predicted[1].PredScore);
        Assert.Equal(4L, predicted[1].GtLabel);
    }

    /// <summary>The tutorial's Accuracy: 100 × correct / total over the batches' (batch_size, correct) results.</summary>
    [Fact]
    public void Accuracy_CountsArgMaxHits()
    {
        var metric = new Accuracy();
        Structures.DataSample S(long gt, params float[] scores) => new() { GtLabel = gt, PredScore = scores };
        metric.Process(new Structures.DataBatch([], []), [S(0, 0.9f, 0.1f), S(1, 0.8f, 0.2f)]);
        metric.Process(new Structures.DataBatch([], []), [S(1, 0.3f, 0.7f), S(1, 0.1f, 0.9f), S(0, 0.4f, 0.6f)]);
        Assert.Equal(60.0, metric.Evaluate(5)["accuracy"], 10);
    }

    /// <summary>
    /// The object-style program and the config under <c>kiln train</c> on the same synthetic set and seed: both log
    /// MMEngine's <c>Epoch(train) [1][2/2]  lr: 1.0000e-03 … loss: …</c> and <c>Epoch(val) [1][1/1]    accuracy: …</c>
    /// lines, save epoch_1.pth, and end with the same weights (Runner.Create and FromConfig give the same run).
    /// </summary>
    [Fact]
    public void ObjectStyleAndKilnTrainConfig_OneEpoch_LogAndCheckpointAndSameWeights()
    {
        WriteSyntheticCifar10(_tmp.Path);
        string objectsDir = _tmp.Combine("objects"), configDir = _tmp.Combine("config");

        float[] objectWeights;
        using (var host = Cifar10Tutorial.CreateHost(TextWriter.Null))
        using (var runner = Cifar10Tutorial.Build(host.Services, new TutorialOptions
        {
            DataRoot = _tmp.Path, WorkDir = objectsDir, Epochs = 1, BatchSize = 4, MaxTrainSamples = 8, MaxValSamples = 4, Seed = 0,
        }))
        {
            runner.Train();
            using var scope = NewDisposeScope();
            objectWeights = runner.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
        }

        var run = CliRun.Invoke("train", Path.Combine(RepoPaths.Root, "examples", "ResNet50Cifar10", "resnet50_cifar10.py"),
            "--plugins", TutorialLog.ExampleBuildFolder("ResNet50Cifar10"), "--work-dir", configDir, "--no-progress",
            "--cfg-options", "train_cfg.max_epochs=1", "train_dataloader.batch_size=4", "val_dataloader.batch_size=4",
            "train_dataloader.dataset.indices=8", "val_dataloader.dataset.indices=4", "randomness.seed=0",
            $"train_dataloader.dataset.data_root={_tmp.Path}", $"val_dataloader.dataset.data_root={_tmp.Path}");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);

        foreach (var dir in new[] { objectsDir, configDir })
        {
            var messages = TutorialLog.Messages(dir);
            Assert.Contains(messages, m => Regex.IsMatch(m, @"^Epoch\(train\) \[1\]\[2/2\]  lr: 1\.0000e-03  eta: \d+:\d\d:\d\d  time: \d+\.\d{4}  data_time: \d+\.\d{4}  loss: \d+\.\d{4}$"));
            Assert.Contains("Saving checkpoint at 1 epochs", messages);
            Assert.Contains(messages, m => Regex.IsMatch(m, @"^Epoch\(val\) \[1\]\[1/1\]    accuracy: \d+\.\d{4}  data_time: \d+\.\d{4}  time: \d+\.\d{4}$"));
            Assert.True(File.Exists(Path.Combine(dir, "epoch_1.pth")), $"no epoch_1.pth in {dir}");
        }
        Assert.Equal(TutorialLog.ProgressLines(objectsDir), TutorialLog.ProgressLines(configDir));

        using (NewDisposeScope())
        {
            var fromConfig = new MMResNet50();
            CheckpointLoader.LoadCheckpoint(fromConfig, Path.Combine(configDir, "epoch_1.pth"), strict: true);
            Assert.Equal(objectWeights, fromConfig.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray());
        }
    }

    [Fact]
    public void MissingCifar10_ErrorNamesTheFolderAndFiles()
    {
        using var host = Cifar10Tutorial.CreateHost(TextWriter.Null);
        var e = Assert.Throws<KilnException>(() => Cifar10Tutorial.Build(host.Services, new TutorialOptions { DataRoot = _tmp.Path, WorkDir = _tmp.Combine("w") }));
        Assert.Contains(Path.Combine(_tmp.Path, "cifar-10-batches-bin"), e.Message);
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains("--data-root", e.Message);
    }
}
