using System.Text.Json;
using Kiln.TestKit;

namespace Kiln.Tests.Cli;

/// <summary><c>kiln schedule</c> on small configs (SCHED-12): the JSON values, the table, the PNG, the errors.</summary>
public sealed class ScheduleCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Config(string text)
    {
        string path = _tmp.Combine("cfg.py");
        File.WriteAllText(path, text);
        return path;
    }

    private const string WarmupThenSteps = """
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
        train_cfg = dict(by_epoch=True, max_epochs=3)
        param_scheduler = [
            dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=4),
            dict(type='MultiStepLR', milestones=[2], gamma=0.1),
            dict(type='CosineAnnealingMomentum', T_max=3, eta_min=0.5, convert_to_iter_based=True),
            dict(type='ExponentialParamScheduler', param_name='weight_decay', gamma=0.5),
        ]
        """;

    [Fact]
    public void Json_GivesEveryIterationsValues_AsTheTrainLoopWould()
    {
        var run = CliRun.Invoke("schedule", Config(WarmupThenSteps), "--iters-per-epoch", "4", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        double[] Get(string key) => doc.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var lr = Get("lr");
        var momentum = Get("momentum");
        var wd = Get("weight_decay");
        Assert.Equal(12, lr.Length);
        // warm-up over iterations 0..3 (0.05 → 0.1), then the epoch milestone at 2 (× 0.1)
        double[] expectedLr = [0.05, 0.1 * (0.5 + 0.5 / 3), 0.1 * (0.5 + 1.0 / 3), 0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01];
        for (int i = 0; i < 12; i++) Assert.Equal(expectedLr[i], lr[i], 1e-12);
        // cosine over 3 epochs × 4 iterations, from 0.9 to 0.5
        for (int i = 0; i < 12; i++) Assert.Equal(0.5 + (0.9 - 0.5) * (1 + Math.Cos(Math.PI * i / 12)) / 2, momentum[i], 1e-12);
        // weight decay halves after each epoch
        for (int i = 0; i < 12; i++) Assert.Equal(1e-4 * Math.Pow(0.5, i / 4), wd[i], 1e-15);
    }

    [Fact]
    public void Table_ShowsChangingRows_AndOutWritesAPng()
    {
        string png = _tmp.Combine("plots", "lr.png");
        var run = CliRun.Invoke("schedule", Config(WarmupThenSteps), "--iters-per-epoch", "4", "--out", png);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("# the config has no model; the optimizer is over one dummy parameter", run.Output);
        Assert.Contains("# 12 iterations (3 epochs x 4)", run.Output);
        Assert.Contains("     iter  epoch          lr    momentum  weight_decay", run.Output);
        Assert.Contains("        8      2  1.0000e-02", run.Output);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4));
    }

    [Fact]
    public void IterBased_WithAutoScaleLr_ScalesByTheDataloaderBatchSize()
    {
        var run = CliRun.Invoke("schedule", Config("""
            optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.016, betas=(0.8, 0.999)))
            train_cfg = dict(by_epoch=False, max_iters=5)
            train_dataloader = dict(batch_size=4, dataset=dict(type='NoSuchDataset'), sampler=dict(type='DefaultSampler'))
            auto_scale_lr = dict(enable=True, base_batch_size=16)
            param_scheduler = dict(type='StepLR', step_size=2, gamma=0.5, by_epoch=False)
            """), "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        var lr = doc.RootElement.GetProperty("lr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] expected = [0.004, 0.004, 0.002, 0.002, 0.001];
        Assert.Equal(expected.Length, lr.Length);
        for (int i = 0; i < lr.Length; i++) Assert.Equal(expected[i], lr[i], 1e-15);
        Assert.All(doc.RootElement.GetProperty("momentum").EnumerateArray(), e => Assert.Equal(0.8, e.GetDouble()));
    }

    [Fact]
    public void EpochBased_WithoutDataloaderOrItersPerEpoch_SaysWhatToPass()
    {
        var run = CliRun.Invoke("schedule", Config(WarmupThenSteps));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("pass --iters-per-epoch N", run.Error);
        var bad = CliRun.Invoke("schedule", Config("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\ntrain_cfg = dict(by_epoch=True, max_epochs=2)\nparam_scheduler = dict(type='StepLR', step_size=1, gama=0.5)\n"), "--iters-per-epoch", "2");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'gama'", bad.Error);
    }
}
