using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using Kiln.TestKit;
using Kiln.Visualization;
using TorchSharp;

namespace Kiln.Gan.Tests;

/// <summary>
/// The GAN tutorial (seed features T2) through the real CLI with the bundled config and plugins: a few iterations on
/// the MNIST sample log both networks' losses and learning rates (LOG-01, OPT-09), draw sample grids, change both
/// networks, store both optimizers' states (CKPT-02) and resume to the same weights as an uninterrupted run (RUN-08).
/// </summary>
[Collection("cli")]
public class GanTrainEndToEndTests
{
    private static readonly string GanConfig = Path.Combine(RepoPaths.Root, "plugins", "Gan", "configs", "gan_mnist.py");

    /// <summary>gan_mnist.py cut to 6 iterations of 8 images, logging every 2, a checkpoint and a 4×4 grid every 3.</summary>
    private static string TinyConfig(string dir, string extra = "")
    {
        string mnist = RepoPaths.Mnist.Replace("\\", "/");
        string path = Path.Combine(dir, "gan_tiny.py");
        File.WriteAllText(path, $$"""
            _base_ = ['{{GanConfig.Replace("\\", "/")}}']
            train_dataloader = dict(
                batch_size=8,
                dataset=dict(datasets=[
                    dict(type='vision.MNIST', data_root='{{mnist}}', test_mode=False),
                    dict(type='vision.MNIST', data_root='{{mnist}}', test_mode=True)]))
            train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=6)
            log_processor = dict(by_epoch=False)
            default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval=3, by_epoch=False))
            custom_hooks = [dict(type='GanSampleHook', interval=3, num_samples=16, nrow=4, seed=0)]
            env_cfg = dict(num_threads=1)
            {{extra}}
            """);
        return path;
    }

    private static CliRun Train(string config, string workDir, params string[] extra)
    {
        var run = CliRun.Invoke(["train", config, "--work-dir", workDir, "--no-progress", .. extra]);
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        return run;
    }

    [Fact]
    public void Train_TinyGan_LogsBothLossesAndLrs_DrawsGrids_ChangesBothNets_SavesBothOptimizers()
    {
        using var tmp = new TempDir();
        var work = Path.Combine(tmp.Path, "work");
        Train(TinyConfig(tmp.Path), work);

        var logDir = Assert.Single(Directory.GetDirectories(work));
        string log = File.ReadAllText(Path.Combine(logDir, Path.GetFileName(logDir) + ".log"));
        // MMEngine's line for an OptimWrapperDict: '<name>.lr' per wrapper, then the GAN's log values.
        Assert.Matches(new Regex(@"Iter\(train\) \[2/6\]  generator\.lr: 1\.0000e-04 discriminator\.lr: 1\.0000e-04  eta: \d+:\d{2}:\d{2}  time: \d+\.\d{4}  data_time: \d+\.\d{4}  loss: \d+\.\d{4}  loss_disc_fake: \d+\.\d{4}  loss_disc_real: \d+\.\d{4}  loss_gen: \d+\.\d{4}$", RegexOptions.Multiline), log);
        Assert.Equal(3, Regex.Matches(log, @"Iter\(train\) \[\d/6\]").Count);

        // Grids before the first iteration, at 3 and after the last: 4×4 digits of 28 px with 2 px padding.
        var images = Path.Combine(logDir, "vis_data", "vis_image");
        Assert.Equal(new[] { "gan_samples_0.png", "gan_samples_3.png", "gan_samples_6.png" },
            Directory.GetFiles(images).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var start = VisImage.Load(Path.Combine(images, "gan_samples_0.png"));
        var end = VisImage.Load(Path.Combine(images, "gan_samples_6.png"));
        Assert.Equal((4 * 30 + 2, 4 * 30 + 2), (start.Width, start.Height));
        Assert.NotEqual(start.Pixels, end.Pixels);

        var a = (PyDict)CheckpointFile.Load(Path.Combine(work, "iter_3.pth"))!;
        var b = (PyDict)CheckpointFile.Load(Path.Combine(work, "iter_6.pth"))!;
        try
        {
            var wa = (PyDict)a["state_dict"]!;
            var wb = (PyDict)b["state_dict"]!;
            foreach (var key in new[] { "generator.model.0.weight", "generator.model.11.weight", "discriminator.model.0.weight", "discriminator.model.4.weight" })
                Assert.False(((torch.Tensor)wa[key]!).SameAs((torch.Tensor)wb[key]!), $"{key} did not change from iteration 3 to 6");

            // Both optimizers' states, PyTorch's Adam layout, under their names.
            var optimizer = (PyDict)b["optimizer"]!;
            Assert.Equal(new object[] { "generator", "discriminator" }, optimizer.Keys);
            foreach (var name in new[] { "generator", "discriminator" })
            {
                var opt = (PyDict)optimizer[name]!;
                var state = (PyDict)opt["state"]!;
                int parameters = name == "generator" ? 16 : 6;
                Assert.Equal(parameters, state.Count);
                var first = (PyDict)state[0L]!;
                Assert.Equal(6.0, Convert.ToDouble(((torch.Tensor)first["step"]!).item<float>()));
                Assert.Contains("exp_avg", first.Keys);
                Assert.Contains("exp_avg_sq", first.Keys);
                var group = (PyDict)((List<object?>)opt["param_groups"]!)[0]!;
                Assert.Equal(1e-4, group["lr"]);
            }
        }
        finally
        {
            CheckpointValue.DisposeTensors(a);
            CheckpointValue.DisposeTensors(b);
        }
    }

    [Fact]
    public void Resume_TinyGanFromIterThree_MatchesUninterruptedRunBitForBit()
    {
        using var tmp = new TempDir();
        string config = TinyConfig(tmp.Path);
        var straight = Path.Combine(tmp.Path, "straight");
        var split = Path.Combine(tmp.Path, "split");
        Train(config, straight);
        Train(config, split, "--cfg-options", "train_cfg.max_iters=3");
        var resumed = Train(config, split, "--resume");
        Assert.Contains($"Auto resumed from the latest checkpoint {Path.Combine(split, "iter_3.pth")}", resumed.Output);
        Assert.DoesNotContain("Iter(train) [2/6]", resumed.Output);
        Assert.Contains("Iter(train) [4/6]", resumed.Output);

        var a = (PyDict)CheckpointFile.Load(Path.Combine(straight, "iter_6.pth"))!;
        var b = (PyDict)CheckpointFile.Load(Path.Combine(split, "iter_6.pth"))!;
        try
        {
            var wa = (PyDict)a["state_dict"]!;
            var wb = (PyDict)b["state_dict"]!;
            Assert.Equal(wa.Keys, wb.Keys);
            foreach (var key in wa.Keys)
                Assert.True(((torch.Tensor)wa[key]!).SameAs((torch.Tensor)wb[key]!), $"{key} differs after resume");
            foreach (var name in new[] { "generator", "discriminator" })
            {
                var sa = (PyDict)((PyDict)((PyDict)a["optimizer"]!)[name]!)["state"]!;
                var sb = (PyDict)((PyDict)((PyDict)b["optimizer"]!)[name]!)["state"]!;
                foreach (var index in sa.Keys)
                    Assert.True(((torch.Tensor)((PyDict)sa[index]!)["exp_avg"]!).SameAs((torch.Tensor)((PyDict)sb[index]!)["exp_avg"]!),
                        $"{name} optimizer state {index} differs after resume");
            }
        }
        finally
        {
            CheckpointValue.DisposeTensors(a);
            CheckpointValue.DisposeTensors(b);
        }
    }

    // OPT-09, SCHED-01: param_scheduler by wrapper name over an OptimWrapperDict, both lrs logged, stored by name
    // in checkpoints and resumed (MMEngine's dict of scheduler lists).
    [Fact]
    public void ParamScheduler_ByWrapperName_SchedulesEachLr_ResumesThem()
    {
        using var tmp = new TempDir();
        string config = TinyConfig(tmp.Path, """
            param_scheduler = dict(
                generator=dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=6),
                discriminator=[dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=False)])
            """);
        var straight = Path.Combine(tmp.Path, "straight");
        var split = Path.Combine(tmp.Path, "split");
        var run = Train(config, straight);
        // lr at iteration index 1, 3, 5: LinearLR 1e-4·(0.5 + 0.5·i/5) (MMEngine: total_iters = end - begin - 1); MultiStepLR 1e-4, then 1e-5 from 2.
        Assert.Contains("Iter(train) [2/6]  generator.lr: 6.0000e-05 discriminator.lr: 1.0000e-04  ", run.Output);
        Assert.Contains("Iter(train) [4/6]  generator.lr: 8.0000e-05 discriminator.lr: 1.0000e-05  ", run.Output);
        Assert.Contains("Iter(train) [6/6]  generator.lr: 1.0000e-04 discriminator.lr: 1.0000e-05  ", run.Output);

        var checkpoint = (PyDict)CheckpointFile.Load(Path.Combine(straight, "iter_6.pth"))!;
        try
        {
            var states = Assert.IsType<PyDict>(checkpoint["param_schedulers"]);
            Assert.Equal(new object[] { "generator", "discriminator" }, states.Keys);
            Assert.Single((List<object?>)states["generator"]!);
            Assert.Single((List<object?>)states["discriminator"]!);
        }
        finally
        {
            CheckpointValue.DisposeTensors(checkpoint);
        }

        Train(config, split, "--cfg-options", "train_cfg.max_iters=3");
        var resumed = Train(config, split, "--resume");
        Assert.Contains("Iter(train) [4/6]  generator.lr: 8.0000e-05 discriminator.lr: 1.0000e-05  ", resumed.Output);
        Assert.Contains("Iter(train) [6/6]  generator.lr: 1.0000e-04 discriminator.lr: 1.0000e-05  ", resumed.Output);
    }

    [Fact]
    public void ParamScheduler_NameNotAWrapper_IsErrorListingWrappers()
    {
        using var tmp = new TempDir();
        string config = TinyConfig(tmp.Path, "param_scheduler = dict(gen=dict(type='ConstantLR', by_epoch=False))");
        var run = CliRun.Invoke("train", config, "--work-dir", Path.Combine(tmp.Path, "w"), "--no-progress");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("param_scheduler.gen: the optimizer wrappers are 'generator', 'discriminator'", run.Error + run.Output);
    }
}
