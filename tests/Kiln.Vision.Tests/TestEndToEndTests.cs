using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using Kiln.Evaluation;
using Kiln.TestKit;
using Xunit.Abstractions;

namespace Kiln.Vision.Tests;

/// <summary>
/// Issue 10, Show-it 2 (RUN-04, LOOP-04, LOOP-05, EVAL-05): <c>kiln test</c> and <c>kiln val</c> on the LeNet-5
/// checkpoint from the bundled example report the same accuracy as the last validation of the run that wrote it
/// (the bundled config's test_dataloader is its val_dataloader), <c>--out</c> dumps one entry per test sample, and
/// <c>kiln eval</c> on that dump (offline evaluation) reports the same accuracy again.
/// </summary>
[Collection("cli")]
public class TestEndToEndTests(ITestOutputHelper log)
{
    private static string[] DataRoots(params string[] modes)
        => modes.Select(m => $"{m}_dataloader.dataset.data_root={RepoPaths.Mnist}").ToArray();

    private static double LastAccuracy(string output, string mode)
    {
        var matches = Regex.Matches(output, mode == "val"
            ? @"Epoch\(val\) \[\d+\]\[32/32\]    accuracy/top1: (\d+\.\d{4})  data_time: \d+\.\d{4}  time: \d+\.\d{4}$"
            : $@"Epoch\({mode}\) \[32/32\]    accuracy/top1: (\d+\.\d{{4}})  data_time: \d+\.\d{{4}}  time: \d+\.\d{{4}}$", RegexOptions.Multiline);
        Assert.True(matches.Count > 0, $"no Epoch({mode}) summary line in:\n{output}");
        return double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TestAndVal_OnTrainedCheckpoint_ReportTheRunsLastValidationAccuracy()
    {
        using var tmp = new TempDir();
        string config = Path.Combine(RepoPaths.VisionConfigs, "lenet5_mnist.py");
        var train = CliRun.Invoke(["train", config, "--work-dir", tmp.Path, "--cfg-options", .. DataRoots("train", "val"), "train_cfg.max_epochs=1"]);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        double trained = LastAccuracy(train.Output, "val");
        string checkpoint = Path.Combine(tmp.Path, "epoch_1.pth");

        string outFile = Path.Combine(tmp.Path, "preds.pkl");
        var test = CliRun.Invoke(["test", config, checkpoint, "--work-dir", Path.Combine(tmp.Path, "test"), "--out", outFile, "--cfg-options", .. DataRoots("test")]);
        Assert.True(test.ExitCode == 0, test.Error + test.Output);
        Assert.Contains($"Load checkpoint from {checkpoint}", test.Output);
        Assert.Contains($"Results has been saved to {outFile}.", test.Output);
        double tested = LastAccuracy(test.Output, "test");
        log.WriteLine($"last validation of the run: {trained:F4}; kiln test: {tested:F4}");
        Assert.Equal(trained, tested);

        var val = CliRun.Invoke(["val", config, checkpoint, "--work-dir", Path.Combine(tmp.Path, "val"), "--cfg-options", .. DataRoots("val")]);
        Assert.True(val.ExitCode == 0, val.Error + val.Output);
        double validated = LastAccuracy(val.Output, "val");
        log.WriteLine($"kiln val: {validated:F4}");
        Assert.Equal(trained, validated);

        // One entry per test sample (the 2,000 held-back digits), each with its label, prediction and 10 scores.
        var entries = DumpResults.Load(outFile);
        Assert.Equal(2000, entries.Count);
        int correct = 0;
        foreach (var entry in entries.Cast<PyDict>())
        {
            Assert.Equal(10, Assert.IsType<List<object?>>(entry["pred_score"]).Count);
            if (Equals(entry["pred_label"], entry["gt_label"])) correct++;
        }
        Assert.Equal(trained, Math.Round(100.0 * correct / entries.Count, 4));

        // EVAL-05 offline: kiln eval runs the config's test_evaluator over the dump and gives the same accuracy.
        var eval = CliRun.Invoke(["eval", config, outFile, "--chunk-size", "64"]);
        Assert.True(eval.ExitCode == 0, eval.Error + eval.Output);
        Assert.Contains($"accuracy/top1: {trained.ToString("F4", CultureInfo.InvariantCulture)}", eval.Output);
        log.WriteLine($"kiln eval on the dump: {eval.Output.Trim()}");
    }
}
